/** Public API of the constraint compiler (see README.md in this folder). */
export { compileConstraint, planConstraint, SUPPORTED_BACKENDS } from './compile';
export type {
  CompileOptions,
  CompiledConstraint,
  ConstraintKind,
  ConstraintPlan,
  ConstraintRequest,
  FunctionTool,
  JsonSchemaFormat,
  ResponseFormat,
  ToolCallFormat,
  ToolCallInfo,
  ToolChoice,
  XGrammarSpec,
} from './compile';
export { ConstraintError } from './errors';
export { explainSchemaLoosening, XGRAMMAR_FORMATS } from './schema';
export type { SchemaLoosening } from './schema';
export {
  compileForTokenizer,
  createTokenizerInfo,
  GrammarLogitProcessor,
  TokenizerGrammars,
  vocabFromTokenizerJson,
} from './grammarProcessor';
export type {
  GrammarProcessorOptions,
  LogitProcessor,
  TokenizerInfoOptions,
  VocabInfo,
  VocabType,
} from './grammarProcessor';
export { callXGrammar, isXGrammarBroken, loadXGrammar, retireXGrammar } from './xgrammar';
export type { XGrammar } from './xgrammar';
