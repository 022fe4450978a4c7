/** Whitespace between JSON tokens: the tab's default and vLLM's (no imports: server facts read it). */

/**
 * The tab's default whitespace between JSON tokens: nothing, one space, or one newline and up
 * to 20 spaces or tabs (pretty-printed JSON up to 10 levels of two-space indentation). vLLM and
 * xgrammar allow any amount (`[ \n\t]*`), on which a small model can loop until max_tokens;
 * this keeps the pretty-printed form small models write by habit, and ends such loops.
 */
export const TAB_WHITESPACE_PATTERN = '( |\\n[ \\t]{0,20})?';
/** vLLM's (and xgrammar's) whitespace between JSON tokens. */
export const VLLM_WHITESPACE_PATTERN = '[ \\n\\t]*';

/** The same bound in words, for the compatibility report and the docs. */
export const TAB_WHITESPACE_WORDS =
  'nothing, one space, or one newline and up to 20 spaces or tabs';
