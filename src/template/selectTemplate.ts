/**
 * Which chat template renders a request, chosen as transformers' `get_chat_template` does
 * (vLLM passes the request's chat_template and tools to it):
 *
 * - a model may carry several named templates (tokenizer_config.json's list of {name,
 *   template}, GGUF's tokenizer.chat_template.<name>), e.g. Command R+'s default, tool_use
 *   and rag;
 * - a request chat_template that names one of them picks it; any other string is the
 *   template itself;
 * - without one, "tool_use" is taken when the request has tools, else "default"; a model
 *   with named templates but no "default" cannot render a request without tools.
 */

export interface ModelChatTemplates {
  /** The model's one template (or its default one); null when it has none. */
  readonly chatTemplate: string | null;
  /** Named templates, when the model has several. */
  readonly namedTemplates?: Readonly<Record<string, string>>;
}

export class TemplateSelectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateSelectionError';
  }
}

export function selectChatTemplate(
  model: ModelChatTemplates,
  requested: string | null | undefined,
  tools: unknown,
): string {
  const named = model.namedTemplates ?? {};
  const names = Object.keys(named);
  if (names.length > 0) {
    if (typeof requested === 'string')
      return Object.hasOwn(named, requested) ? named[requested]! : requested;
    const withTools = tools !== undefined && tools !== null;
    if (withTools && Object.hasOwn(named, 'tool_use')) return named.tool_use!;
    if (Object.hasOwn(named, 'default')) return named.default!;
    throw new TemplateSelectionError(
      `The loaded model has several chat templates (${names.join(', ')}) and none is called "default": name one in chat_template.`,
    );
  }
  if (typeof requested === 'string') return requested;
  if (model.chatTemplate !== null) return model.chatTemplate;
  throw new TemplateSelectionError(
    'The loaded model has no chat template; set chat_template in the request.',
  );
}
