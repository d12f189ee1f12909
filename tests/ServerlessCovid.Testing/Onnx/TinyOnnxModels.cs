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
