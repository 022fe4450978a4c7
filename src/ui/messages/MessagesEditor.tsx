import { useRequestStore } from '../../store/requestStore';
import { paramSpec } from '../../request/params';
import type { Validation } from '../useValidation';
import { JsonEditor } from '../params/JsonEditor';
import { MessageActions } from '../conversation/MessageActions';
import { NOT_AN_OPTION } from '../params/controls';
import { MESSAGE_ROLES } from '../../request/validate';

type Msg = Record<string, unknown>;
const ROLES = ['system', 'user', 'assistant', 'tool'] as const;
const NO_MESSAGES: Msg[] = [];
/** Any role the API accepts (developer and function have no add button, but are shown). */
const isRole = (r: unknown): r is string =>
  typeof r === 'string' && (MESSAGE_ROLES as readonly string[]).includes(r);

function asMessage(m: unknown): Msg {
  return typeof m === 'object' && m !== null && !Array.isArray(m)
    ? (m as Msg)
    : { role: 'user', content: String(m) };
}

function contentText(m: Msg): string {
  if (typeof m.content === 'string') return m.content;
  if (Array.isArray(m.content))
    return m.content
      .map((p) =>
        typeof p === 'object' && p && 'text' in p ? String((p as { text: unknown }).text) : '',
      )
      .join('\n');
  return '';
}

export function MessagesEditor({
  validation,
  children,
}: {
  validation: Validation;
  children?: React.ReactNode;
}) {
  const raw = useRequestStore((s) => s.draft.messages);
  // Anything but a list of objects (e.g. typed into the request JSON) edits as an empty list;
  // the validator says what is wrong with it.
  const messages = Array.isArray(raw) ? (raw as unknown[]).map(asMessage) : NO_MESSAGES;
  const setParam = useRequestStore((s) => s.setParam);
  const setEditorError = useRequestStore((s) => s.setEditorError);
  const update = (next: Msg[]) => setParam('messages', next);
  const patch = (i: number, p: Msg) =>
    update(
      messages.map((m, j) => {
        if (j !== i) return m;
        const n = { ...m, ...p };
        for (const k of Object.keys(n)) if (n[k] === undefined) delete n[k];
        return n;
      }),
    );
  const move = (i: number, d: number) => {
    const next = [...messages];
    const [m] = next.splice(i, 1);
    next.splice(i + d, 0, m!);
    update(next);
  };
  const errors = validation.byParam.get('messages') ?? [];
  return (
    <section className="messages" aria-label="Messages" data-testid="param-messages">
      <div className="section-head">
        <h2>Messages</h2>
        <span className="hint" title={paramSpec('messages')?.help}>
          {messages.length} message{messages.length === 1 ? '' : 's'}
        </span>
      </div>
      {errors.map((e, i) => (
        <div className="field-error" role="alert" key={i} data-testid="error-messages">
          {e.message}
        </div>
      ))}
      <ol className="message-list">
        {messages.map((m, i) => (
          <li className={`message role-${String(m.role)}`} key={i} data-testid={`message-${i}`}>
            <div className="message-head">
              <select
                aria-label={`Role of message ${i + 1}`}
                value={isRole(m.role) ? m.role : NOT_AN_OPTION}
                aria-invalid={!isRole(m.role) || undefined}
                onChange={(e) =>
                  e.target.value !== NOT_AN_OPTION && patch(i, { role: e.target.value })
                }
              >
                {/* A role the form has no option for is shown as it is, never as another. */}
                {!isRole(m.role) && (
                  <option value={NOT_AN_OPTION}>{JSON.stringify(m.role)} (not a role)</option>
                )}
                {isRole(m.role) && !(ROLES as readonly string[]).includes(m.role) && (
                  <option>{m.role}</option>
                )}
                {ROLES.map((r) => (
                  <option key={r}>{r}</option>
                ))}
              </select>
              <button
                type="button"
                className="icon"
                aria-label={`Move message ${i + 1} up`}
                disabled={i === 0}
                onClick={() => move(i, -1)}
              >
                ↑
              </button>
              <button
                type="button"
                className="icon"
                aria-label={`Move message ${i + 1} down`}
                disabled={i === messages.length - 1}
                onClick={() => move(i, 1)}
              >
                ↓
              </button>
              <button
                type="button"
                className="icon"
                aria-label={`Remove message ${i + 1}`}
                onClick={() => update(messages.filter((_, j) => j !== i))}
              >
                ✕
              </button>
            </div>
            <textarea
              aria-label={`Content of message ${i + 1}`}
              rows={3}
              value={contentText(m)}
              placeholder={
                m.role === 'assistant' ? 'Assistant text (or only tool calls)' : 'Message text'
              }
              onChange={(e) => patch(i, { content: e.target.value })}
            />
            {m.role === 'tool' && (
              <label className="inline">
                tool_call_id
                <input
                  type="text"
                  value={typeof m.tool_call_id === 'string' ? m.tool_call_id : ''}
                  onChange={(e) => patch(i, { tool_call_id: e.target.value })}
                />
              </label>
            )}
            {m.role === 'assistant' && (
              <details open={Array.isArray(m.tool_calls)}>
                <summary>tool_calls</summary>
                <JsonEditor
                  id={`message-${i}-tool-calls`}
                  ariaLabel={`Tool calls of message ${i + 1}`}
                  rows={4}
                  value={m.tool_calls}
                  placeholder={[
                    {
                      id: 'call_1',
                      type: 'function',
                      function: { name: 'get_weather', arguments: '{"city": "Paris"}' },
                    },
                  ]}
                  onValid={(v) => patch(i, { tool_calls: v })}
                  onClear={() => patch(i, { tool_calls: undefined })}
                  onSyntaxError={(e) => setEditorError(`messages[${i}].tool_calls`, e)}
                />
              </details>
            )}
            <MessageActions messages={messages} index={i} />
          </li>
        ))}
      </ol>
      <div className="add-row">
        {ROLES.map((r) => (
          <button
            type="button"
            key={r}
            onClick={() =>
              update([
                ...messages,
                r === 'tool'
                  ? { role: r, content: '', tool_call_id: '' }
                  : { role: r, content: '' },
              ])
            }
          >
            + {r}
          </button>
        ))}
      </div>
      {children}
    </section>
  );
}
