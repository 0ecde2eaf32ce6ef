// Package intrinsic implements the Amazon States Language (ASL) intrinsic
// functions of JSONPath mode: the "States.X(...)" calls written in the value
// of a ".$" field (Parameters, ResultSelector, ItemSelector, Arguments of
// Fail paths, ...).
//
// The contract with the interpreter:
//
//   - [IsCall] tells a call ("States.…") from a JSONPath.
//   - [Parse] parses a call once, when the definition is loaded. Bad syntax or
//     an unknown function is a [*SyntaxError]; the interpreter reports it as
//     AWS's validation message for the field. Argument counts and types are
//     not checked here: AWS checks them when the call runs.
//   - [Call.Eval] runs the call. Path arguments are handed, as written, to the
//     caller's [Resolver], which resolves them with the project's JSONPath
//     library and returns [ErrPathNotFound] (possibly wrapped) when a path
//     selects nothing. Every failure is an [*Error] whose Name is the ASL error
//     ("States.Runtime") and whose Message is AWS's cause text, without the
//     "An error occurred while executing the state …" prefix the interpreter adds.
//
// All 18 functions of AWS Step Functions are provided: States.Format,
// StringToJson, JsonToString, Array, ArrayPartition, ArrayContains, ArrayRange,
// ArrayGetItem, ArrayLength, ArrayUnique, Base64Encode, Base64Decode, Hash,
// JsonMerge, MathRandom, MathAdd, StringSplit and UUID, with AWS's argument
// checks and limits.
//
// JSON values are what encoding/json decodes with UseNumber: nil, bool,
// json.Number, string, []any and map[string]any. Results use the same types;
// numbers are json.Number.
package intrinsic
