namespace Stork.Format.Errors;

/// <summary>
/// One step of an error's explanation (an unsolvable request: "app 1.0.0 needs lib [2.0.0, )"), with the fact it rests
/// on, so --json output can carry the structure and not only the text.
/// </summary>
/// <param name="Fact">What the step rests on, a stable snake_case name (request, depends, conflict, conclusion, ...).</param>
/// <param name="Text">The step as written in the error message (one line of it).</param>
public sealed record ErrorStep(string Fact, string Text);
