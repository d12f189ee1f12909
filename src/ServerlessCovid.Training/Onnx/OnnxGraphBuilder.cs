using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ServerlessCovid.Training.Onnx;

/// <summary>A tensor flowing through the exported graph: its name and its NCHW shape (batch left dynamic).</summary>
internal readonly record struct OnnxValue(string Name, long Channels, long Height, long Width);

/// <summary>
/// Builds an ONNX graph operator by operator while tracking spatial sizes, so modules can emit exactly what their
/// forward computes (including Keras' size-dependent padding) next to their forward code.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    private int _counter;

    public GraphProto Graph { get; } = new() { Name = "nasnet" };

    public string Fresh(string hint) => $"{hint}_{_counter++}";

    public string AddFloatInitializer(string hint, Tensor tensor)
    {
        string name = Fresh(hint);
        using Tensor cpu = tensor.detach().cpu().contiguous().to_type(ScalarType.Float32);
        float[] values = cpu.data<float>().ToArray();
        TensorProto proto = new() { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        proto.Dims.AddRange(cpu.shape);
        proto.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        Graph.Initializer.Add(proto);
        return name;
    }

    public string AddInt64Initializer(string hint, params long[] values)
    {
        string name = Fresh(hint);
        TensorProto proto = new() { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        proto.Dims.Add(values.Length);
        proto.Int64Data.AddRange(values);
        Graph.Initializer.Add(proto);
        return name;
    }

    public string Node(string op, IEnumerable<string> inputs, params AttributeProto[] attributes) =>
        NamedNode(op, inputs, Fresh(op.ToLowerInvariant()), attributes);

    public string NamedNode(string op, IEnumerable<string> inputs, string output, params AttributeProto[] attributes)
    {
        NodeProto node = new() { OpType = op, Name = output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return output;
    }

    public static AttributeProto Ints(string name, params long[] values)
    {
        AttributeProto attribute = new() { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public OnnxValue Relu(OnnxValue x) => x with { Name = Node("Relu", [x.Name]) };

    /// <summary>Conv with explicit (top, left, bottom, right) padding, as ONNX orders it.</summary>
    public OnnxValue Conv(OnnxValue x, Conv2d conv, long padTop = 0, long padLeft = 0, long padBottom = 0, long padRight = 0)
    {
        long[] kernel = [conv.weight!.shape[2], conv.weight.shape[3]];
        long stride = conv.stride[0];
        string weight = AddFloatInitializer("w", conv.weight);
        List<string> inputs = [x.Name, weight];
        if (conv.bias is not null)
        {
            inputs.Add(AddFloatInitializer("b", conv.bias));
        }

        string output = Node(
            "Conv",
            inputs,
            Ints("kernel_shape", kernel),
            Ints("strides", stride, stride),
            Ints("pads", padTop, padLeft, padBottom, padRight),
            Int("group", conv.groups));
        return new OnnxValue(
            output,
            conv.weight.shape[0],
            ((x.Height + padTop + padBottom - kernel[0]) / stride) + 1,
            ((x.Width + padLeft + padRight - kernel[1]) / stride) + 1);
    }

    /// <summary>Inference-mode batch norm with the module's running statistics (ONNX Runtime fuses it into the conv).</summary>
    public OnnxValue BatchNorm(OnnxValue x, BatchNorm2d bn)
    {
        string output = Node(
            "BatchNormalization",
            [
                x.Name,
                AddFloatInitializer("bn_scale", bn.weight!),
                AddFloatInitializer("bn_bias", bn.bias!),
                AddFloatInitializer("bn_mean", bn.running_mean!),
                AddFloatInitializer("bn_var", bn.running_var!),
            ],
            Float("epsilon", (float)bn.eps));
        return x with { Name = output };
    }

    /// <summary>Zero padding; 'pads' is begins then ends over N, C, H, W.</summary>
    public OnnxValue Pad(OnnxValue x, long top, long bottom, long left, long right)
    {
        string pads = AddInt64Initializer("pads", 0, 0, top, left, 0, 0, bottom, right);
        return new OnnxValue(Node("Pad", [x.Name, pads]), x.Channels, x.Height + top + bottom, x.Width + left + right);
    }

    /// <summary>Keeps rows/columns from <paramref name="start"/> on (Keras' Cropping2D of the top/left edge).</summary>
    public OnnxValue CropTopLeft(OnnxValue x, long start)
    {
        string starts = AddInt64Initializer("starts", start, start);
        string ends = AddInt64Initializer("ends", long.MaxValue, long.MaxValue);
        string axes = AddInt64Initializer("axes", 2, 3);
        return new OnnxValue(Node("Slice", [x.Name, starts, ends, axes]), x.Channels, x.Height - start, x.Width - start);
    }

    public OnnxValue AveragePool(OnnxValue x, long kernel, long stride, long pad)
    {
        string output = Node(
            "AveragePool",
            [x.Name],
            Ints("kernel_shape", kernel, kernel),
            Ints("strides", stride, stride),
            Ints("pads", pad, pad, pad, pad),
            Int("count_include_pad", 0));
        return new OnnxValue(output, x.Channels, ((x.Height + (2 * pad) - kernel) / stride) + 1, ((x.Width + (2 * pad) - kernel) / stride) + 1);
    }

    public OnnxValue MaxPool(OnnxValue x, long kernel, long stride)
    {
        string output = Node("MaxPool", [x.Name], Ints("kernel_shape", kernel, kernel), Ints("strides", stride, stride));
        return new OnnxValue(output, x.Channels, ((x.Height - kernel) / stride) + 1, ((x.Width - kernel) / stride) + 1);
    }

    public OnnxValue Add(OnnxValue a, OnnxValue b) => a with { Name = Node("Add", [a.Name, b.Name]) };

    public OnnxValue Concat(params OnnxValue[] values) =>
        values[0] with
        {
            Name = Node("Concat", values.Select(v => v.Name), Int("axis", 1)),
            Channels = values.Sum(v => v.Channels),
        };
}
