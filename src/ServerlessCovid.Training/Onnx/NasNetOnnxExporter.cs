using Google.Protobuf;
using Onnx;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Training.Models;

namespace ServerlessCovid.Training.Onnx;

/// <summary>
/// Writes a <see cref="NasNet"/> as an ONNX model (TorchSharp has no exporter): opset 17, input <c>image</c>
/// float32 [N,3,S,S] with a dynamic batch, output <c>probabilities</c> [N,classes] (softmax included), second output
/// <c>cam</c> [N,classes,h,w] (class activation maps, see <see cref="NasNet.ClassActivationMaps"/>), batch norm as
/// inference-mode <c>BatchNormalization</c> with the running statistics.
/// </summary>
public static class NasNetOnnxExporter
{
    public const int OpsetVersion = 17;

    public const string InputName = "image";

    public const string OutputName = "probabilities";

    public const string CamOutputName = ActivationMap.OutputName;

    public static byte[] Export(NasNet model, int inputSize = Preprocessing.Size)
    {
        ArgumentNullException.ThrowIfNull(model);
        bool wasTraining = model.training;
        model.eval();
        try
        {
            OnnxGraphBuilder g = new();
            g.Graph.Input.Add(TensorInfo(InputName, -1, 3, inputSize, inputSize));
            (OnnxValue logits, OnnxValue maps) = model.Export(g, new OnnxValue(InputName, 3, inputSize, inputSize));
            g.NamedNode("Softmax", [logits.Name], OutputName, OnnxGraphBuilder.Int("axis", 1));
            g.Graph.Output.Add(TensorInfo(OutputName, -1, model.Config.Classes));
            g.NamedNode("Identity", [maps.Name], CamOutputName);
            g.Graph.Output.Add(TensorInfo(CamOutputName, -1, model.Config.Classes, maps.Height, maps.Width));

            ModelProto proto = new()
            {
                IrVersion = 8,
                ProducerName = "ServerlessCovid.Training",
                ProducerVersion = typeof(NasNetOnnxExporter).Assembly.GetName().Version?.ToString() ?? "0",
                DocString = $"{model.Config.Describe()}. {Disclaimers.ResearchOnly}",
                Graph = g.Graph,
            };
            proto.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = OpsetVersion });
            return proto.ToByteArray();
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    private static ValueInfoProto TensorInfo(string name, params long[] shape)
    {
        TensorShapeProto tensorShape = new();
        foreach (long dim in shape)
        {
            tensorShape.Dim.Add(dim < 0
                ? new TensorShapeProto.Types.Dimension { DimParam = "N" }
                : new TensorShapeProto.Types.Dimension { DimValue = dim });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = tensorShape },
            },
        };
    }
}
