namespace ServerlessCovid.Core.Storage;

/// <summary>
/// A publish or rollback was refused because the package cannot be served: ONNX Runtime cannot load it, its graph
/// does not match its manifest, or its blobs are corrupt. <c>current.json</c> was left unchanged.
/// </summary>
public sealed class ModelNotServableException : Exception
{
    public ModelNotServableException()
    {
    }

    public ModelNotServableException(string message)
        : base(message)
    {
    }

    public ModelNotServableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
