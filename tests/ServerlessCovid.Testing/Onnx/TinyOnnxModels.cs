using Google.Protobuf;
using Onnx;

namespace ServerlessCovid.Testing.Onnx;

/// <summary>Small ONNX graphs built in code, so inference tests need no binary fixtures.</summary>
public static class TinyOnnxModels
{
    /// <summary>
    /// <c>image</c> [N,3,256,256] → <c>probabilities</c> [N,2] = softmax of two channel means times
    /// <paramref name="scale"/>: class 0 wins when the red channel is brighter than green. Deterministic and
    /// hand-checkable, with the same interface as the real exported NASNet.
    /// </summary>
    public static byte[] ChannelContrastClassifier(float scale = 10f)
    {
        GraphProto graph = new() { Name = "channel_contrast" };
        graph.Input.Add(TensorInput("image", -1, 3, 256, 256));
        graph.Output.Add(TensorInput("probabilities", -1, 2));
        graph.Initializer.Add(FloatTensor("scale", [1], [scale]));

        // Mean over H and W per channel → [N,3,1,1] → first two channels → [N,2] → × scale → softmax.
        graph.Node.Add(Node("GlobalAveragePool", ["image"], ["pooled"]));
        graph.Node.Add(Node("Flatten", ["pooled"], ["flat"], ("axis", 1L)));
        graph.Initializer.Add(LongTensor("starts", [0]));
        graph.Initializer.Add(LongTensor("ends", [2]));
        graph.Initializer.Add(LongTensor("axes", [1]));
        graph.Node.Add(Node("Slice", ["flat", "starts", "ends", "axes"], ["logits_raw"]));
        graph.Node.Add(Node("Mul", ["logits_raw", "scale"], ["logits"]));
        graph.Node.Add(Node("Softmax", ["logits"], ["probabilities"], ("axis", 1L)));

        ModelProto model = new() { IrVersion = 8, ProducerName = "ServerlessCovid.Testing", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 17 });
        return model.ToByteArray();
    }

    /// <summary>
    /// <see cref="ChannelContrastClassifier"/> with a NASNet-style head and its <c>cam</c> output: the image is
    /// average-pooled in 32×32 blocks to [N,3,8,8] "features", <c>cam</c> [N,2,8,8] is a 1×1 Conv of them with weights
    /// scale·[[1,0,0],[0,1,0]] and no bias, and the logits are the maps' spatial means. So class 0's map at (i, j) is
    /// scale × the mean red of block (i, j), class 1's the same for green, and the probabilities equal the plain
    /// graph's exactly.
    /// </summary>
    public static byte[] ChannelContrastClassifierWithCam(float scale = 10f)
    {
        GraphProto graph = new() { Name = "channel_contrast_cam" };
        graph.Input.Add(TensorInput("image", -1, 3, 256, 256));
        graph.Output.Add(TensorInput("probabilities", -1, 2));
        graph.Output.Add(TensorInput("cam", -1, 2, 8, 8));
        graph.Initializer.Add(FloatTensor("head_w", [2, 3, 1, 1], [scale, 0, 0, 0, scale, 0]));
        graph.Initializer.Add(FloatTensor("head_b", [2], [0, 0]));

        NodeProto pool = Node("AveragePool", ["image"], ["features"]);
        pool.Attribute.Add(Ints("kernel_shape", 32, 32));
        pool.Attribute.Add(Ints("strides", 32, 32));
        graph.Node.Add(pool);
        NodeProto conv = Node("Conv", ["features", "head_w", "head_b"], ["cam"]);
        conv.Attribute.Add(Ints("kernel_shape", 1, 1));
        graph.Node.Add(conv);
        graph.Node.Add(Node("GlobalAveragePool", ["cam"], ["pooled"]));
        graph.Node.Add(Node("Flatten", ["pooled"], ["logits"], ("axis", 1L)));
        graph.Node.Add(Node("Softmax", ["logits"], ["probabilities"], ("axis", 1L)));

        ModelProto model = new() { IrVersion = 8, ProducerName = "ServerlessCovid.Testing", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 17 });
        return model.ToByteArray();
    }

    private static AttributeProto Ints(string name, params long[] values)
    {
        AttributeProto attribute = new() { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    private static NodeProto Node(string op, string[] inputs, string[] outputs, params (string Name, long Value)[] attributes)
    {
        NodeProto node = new() { OpType = op, Name = op + "_" + outputs[0] };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        foreach ((string name, long value) in attributes)
        {
            node.Attribute.Add(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value });
        }

        return node;
    }

    private static ValueInfoProto TensorInput(string name, params long[] shape)
    {
        TensorShapeProto tensorShape = new();
        foreach (long dim in shape)
        {
            tensorShape.Dim.Add(dim < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "N" } : new TensorShapeProto.Types.Dimension { DimValue = dim });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = tensorShape } },
        };
    }

    private static TensorProto FloatTensor(string name, long[] dims, float[] values)
    {
        TensorProto tensor = new() { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        tensor.FloatData.AddRange(values);
        return tensor;
    }

    private static TensorProto LongTensor(string name, long[] values)
    {
        TensorProto tensor = new() { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(values.Length);
        tensor.Int64Data.AddRange(values);
        return tensor;
    }
}
