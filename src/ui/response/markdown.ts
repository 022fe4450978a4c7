/**
 * Model output as Markdown, made safe: markdown-it with raw HTML off (tags in the text stay
 * text), images off (a model could make the page fetch any URL), links checked by
 * markdown-it's validateLink (no javascript:, vbscript:, file: or data: URLs), and DOMPurify
 * over the result as a second wall. Loaded lazily: the first paint never waits for it.
 */
import MarkdownIt from 'markdown-it';
import DOMPurify from 'dompurify';

const md = new MarkdownIt({ html: false, linkify: false, typographer: false, breaks: false });
md.disable('image');

const escapeHtml = md.utils.escapeHtml;

/** Fenced and indented code: a labelled block with its own copy button. */
const codeBlock = (code: string, lang: string, n: number) => {
  const language = lang ? `<span class="code-lang">${escapeHtml(lang)}</span>` : '';
  const cls = lang ? ` class="language-${escapeHtml(lang)}"` : '';
  return (
    `<div class="code-block" data-code-block="${n}"><div class="code-head">${language}` +
    `<button type="button" class="copy-code" aria-label="Copy code block ${n}">Copy code</button>` +
    `</div><pre tabindex="0" aria-label="Code block ${n}"><code${cls}>${escapeHtml(code)}</code></pre></div>\n`
  );
};

/** Numbers the code blocks of one render (render() passes a fresh env each time). */
function nextBlock(env: object | undefined): number {
  const counter = env as { blocks?: number } | undefined;
  const n = (counter?.blocks ?? 0) + 1;
  if (counter) counter.blocks = n;
  return n;
}

md.renderer.rules.fence = (tokens, idx, _options, env?: object) => {
  const token = tokens[idx]!;
  const lang = token.info.trim().split(/\s+/)[0] ?? '';
  return codeBlock(token.content, lang, nextBlock(env));
};
md.renderer.rules.code_block = (tokens, idx, _options, env?: object) =>
  codeBlock(tokens[idx]!.content, '', nextBlock(env));

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer nofollow');
  }
});

/** Sanitised HTML for a Markdown answer. */
export function renderMarkdown(text: string): string {
  const html = md.render(text, {});
  return DOMPurify.sanitize(html, {
    FORBID_TAGS: ['img', 'style', 'form', 'input', 'textarea', 'select', 'iframe'],
    FORBID_ATTR: ['style'],
    ADD_ATTR: ['target'],
  });
}
