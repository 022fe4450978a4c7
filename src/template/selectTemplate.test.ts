import { describe, expect, it } from 'vitest';
import { selectChatTemplate, TemplateSelectionError } from './selectTemplate';

// Command R+ ships three named templates in tokenizer_config.json.
const COMMAND_R = {
  chatTemplate: 'DEFAULT',
  namedTemplates: { default: 'DEFAULT', tool_use: 'TOOL_USE', rag: 'RAG' },
};
const TOOLS = [{ type: 'function', function: { name: 'f' } }];

describe('selectChatTemplate (transformers\u2019 get_chat_template)', () => {
  it('takes tool_use when the request has tools and names no template', () => {
    expect(selectChatTemplate(COMMAND_R, undefined, TOOLS)).toBe('TOOL_USE');
    expect(selectChatTemplate(COMMAND_R, null, TOOLS)).toBe('TOOL_USE');
  });

  it('takes default without tools', () => {
    expect(selectChatTemplate(COMMAND_R, undefined, undefined)).toBe('DEFAULT');
    expect(selectChatTemplate(COMMAND_R, undefined, null)).toBe('DEFAULT');
  });

  it('a request chat_template that names a template picks it, whatever the tools', () => {
    expect(selectChatTemplate(COMMAND_R, 'rag', TOOLS)).toBe('RAG');
    expect(selectChatTemplate(COMMAND_R, 'tool_use', undefined)).toBe('TOOL_USE');
    expect(selectChatTemplate(COMMAND_R, 'default', TOOLS)).toBe('DEFAULT');
  });

  it('any other request chat_template is the template itself', () => {
    expect(selectChatTemplate(COMMAND_R, '{{ messages }}', TOOLS)).toBe('{{ messages }}');
    expect(selectChatTemplate({ chatTemplate: 'T' }, 'tool_use', TOOLS)).toBe('tool_use');
  });

  it('falls back to default when there is no tool_use template', () => {
    const m = { chatTemplate: 'D', namedTemplates: { default: 'D', rag: 'R' } };
    expect(selectChatTemplate(m, undefined, TOOLS)).toBe('D');
  });

  it('refuses a set of named templates without default when nothing picks one', () => {
    const m = { chatTemplate: 'A', namedTemplates: { a: 'A', tool_use: 'T' } };
    expect(selectChatTemplate(m, undefined, TOOLS)).toBe('T');
    expect(() => selectChatTemplate(m, undefined, undefined)).toThrow(TemplateSelectionError);
    expect(() => selectChatTemplate(m, undefined, undefined)).toThrow(/a, tool_use/);
  });

  it('a model with one template uses it; with none, the request must bring one', () => {
    expect(selectChatTemplate({ chatTemplate: 'ONE' }, undefined, TOOLS)).toBe('ONE');
    expect(() => selectChatTemplate({ chatTemplate: null }, undefined, undefined)).toThrow(
      /no chat template/,
    );
  });

  it('a template named like an Object.prototype member is not found there', () => {
    expect(selectChatTemplate(COMMAND_R, 'constructor', undefined)).toBe('constructor');
  });
});
