namespace DocQa.Core.Answering.Generation;

/// <summary>
/// The language model could not be reached or failed to answer (a model server refusing connections, answering 5xx,
/// timing out): the question was fine, the model was not. <see cref="FallbackAnswerer"/> turns it into a 503 or an
/// extractive answer.
/// </summary>
public sealed class ModelUnavailableException(string message, Exception? innerException = null) : Exception(message, innerException);
