import { useState } from 'react';
import { useRequestStore } from '../../store/requestStore';
import type { ParamSpec } from '../../request/params';
import { JsonEditor } from './JsonEditor';
import { TokenLookup } from './TokenLookup';

export interface ControlProps {
  spec: ParamSpec;
  id: string;
  /** The value in the request; undefined when the parameter is at its default (not sent). */
  value: unknown;
  set: (v: unknown) => void;
  reset: () => void;
  setSyntaxError: (message: string | null) => void;
  describedBy: string;
  draft: Record<string, unknown>;
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads what was typed into a number field: the number it means exactly, or why it cannot be
 * sent as typed. Nothing is rounded, clamped or completed.
 */
export function parseNumberText(
  spec: ParamSpec,
  text: string,
): { ok: true; value: number } | { ok: false; message: string } {
  const k = spec.kind;
  const t = text.trim();
  if (k.type === 'integer') {
    if (!/^[+-]?\d+$/.test(t)) return { ok: false, message: `"${text}" is not a whole number.` };
    const big = BigInt(t);
    const n = Number(big);
    // A number JavaScript holds exactly is sent as typed; the validator flags its range.
    if (Number.isSafeInteger(n)) return { ok: true, value: n };
    const min = BigInt(k.min);
    const max = k.max !== undefined ? BigInt(k.max) : undefined;
    if (big < min || (max !== undefined && big > max))
      return {
        ok: false,
        message: `${t} is out of range (${min}${max !== undefined ? ` to ${max}` : ' or more'}).`,
      };
    return {
      ok: false,
      message: `${t} cannot be sent exactly (JSON numbers in JavaScript are exact up to ${Number.MAX_SAFE_INTEGER}).`,
    };
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t))
    return { ok: false, message: `"${text}" is not a number.` };
  const n = Number(t);
  if (!Number.isFinite(n)) return { ok: false, message: `${t} is too large.` };
  return { ok: true, value: n };
}

const numberText = (v: unknown): string => (v === undefined ? '' : String(v));

function NumberControl({ spec, id, value, set, reset, setSyntaxError, describedBy }: ControlProps) {
  const k = spec.kind;
  // What the field shows is exactly what was typed; the draft follows it when it is a number.
  const [text, setText] = useState(numberText(value));
  const [problem, setProblem] = useState<string | null>(null);
  const [followed, setFollowed] = useState<unknown>(value);
  const flagged = useRequestStore((s) => spec.name in s.editorErrors);
  if (!Object.is(value, followed) || (problem !== null && !flagged)) {
    // Changed elsewhere (slider, reset, Reset all, import, request JSON): show the new value.
    setFollowed(value);
    setText(numberText(value));
    setProblem(null);
  }
  if (k.type !== 'number' && k.type !== 'integer') return null;
  // The slider shows the value sent, or the server default; with neither it rests at its start.
  const shown = value ?? spec.defaultValue;
  const num = typeof shown === 'number' ? shown : undefined;
  const step = k.type === 'number' ? k.step : 1;
  // A slider only where the range is one a hand can pick from (not for a 64-bit seed).
  const sliderMax =
    k.sliderMax ?? (k.max !== undefined && k.max - k.min <= 1000 ? k.max : undefined);
  const sliderMin = k.type === 'integer' && k.min < -1000 ? 0 : k.min;
  const onText = (t: string) => {
    setText(t);
    if (t.trim() === '') {
      setProblem(null);
      setSyntaxError(null);
      setFollowed(undefined);
      reset();
      return;
    }
    const r = parseNumberText(spec, t);
    if (r.ok) {
      setProblem(null);
      setSyntaxError(null);
      setFollowed(r.value);
      set(r.value);
    } else {
      // Flagged here and in Run's list; the draft keeps its last number until this is fixed.
      setProblem(r.message);
      setSyntaxError(r.message);
    }
  };
  const errId = `${id}-problem`;
  return (
    <div className="number-control">
      {sliderMax !== undefined && (
        <input
          type="range"
          aria-label={`${spec.label} slider`}
          className={num === undefined ? 'at-default' : undefined}
          min={sliderMin}
          max={sliderMax}
          step={step}
          value={num ?? sliderMin}
          onChange={(e) => set(Number(e.target.value))}
        />
      )}
      <input
        id={id}
        type="text"
        inputMode={k.type === 'integer' ? 'numeric' : 'decimal'}
        spellCheck={false}
        autoComplete="off"
        className={problem ? 'invalid' : value === undefined ? 'at-default' : undefined}
        aria-invalid={problem ? true : undefined}
        aria-describedby={[describedBy, problem ? errId : ''].filter(Boolean).join(' ')}
        value={text}
        placeholder={
          spec.defaultValue === undefined
            ? 'not set'
            : `default ${JSON.stringify(spec.defaultValue)} (not sent)`
        }
        onChange={(e) => onText(e.target.value)}
      />
      {problem && (
        <div className="field-error" id={errId} role="alert" data-testid="number-problem">
          {problem}
        </div>
      )}
    </div>
  );
}

/** The option a select shows for a value that is none of its options (e.g. from a link). */
export const NOT_AN_OPTION = '\u0000not-an-option';

function BooleanControl({ spec, id, value, set, describedBy }: ControlProps) {
  const checked = (value ?? spec.defaultValue) === true;
  // A value that is no boolean is shown as it is, never as "false".
  const wrong = value !== undefined && typeof value !== 'boolean';
  return (
    <label className="toggle">
      <input
        id={id}
        type="checkbox"
        role="switch"
        aria-describedby={describedBy}
        aria-invalid={wrong || undefined}
        checked={checked}
        onChange={(e) => set(e.target.checked)}
      />
      <span data-testid={wrong ? 'not-representable' : undefined}>
        {wrong ? `${JSON.stringify(value)} (not true or false)` : checked ? 'true' : 'false'}
      </span>
    </label>
  );
}

function StringControl({ spec, id, value, set, reset, describedBy }: ControlProps) {
  const k = spec.kind;
  if (k.type !== 'string') return null;
  const common = {
    id,
    'aria-describedby': describedBy,
    value: typeof value === 'string' ? value : '',
    placeholder: k.placeholder,
    spellCheck: false,
    onChange: (e: { target: { value: string } }) =>
      e.target.value === '' ? reset() : set(e.target.value),
  };
  return k.multiline ? <textarea rows={6} {...common} /> : <input type="text" {...common} />;
}

function EnumControl({ spec, id, value, set, reset, describedBy }: ControlProps) {
  if (spec.kind.type !== 'enum') return null;
  const wrong =
    value !== undefined && !(typeof value === 'string' && spec.kind.options.includes(value));
  return (
    <select
      id={id}
      aria-describedby={describedBy}
      aria-invalid={wrong || undefined}
      value={wrong ? NOT_AN_OPTION : typeof value === 'string' ? value : ''}
      onChange={(e) =>
        e.target.value === NOT_AN_OPTION
          ? undefined
          : e.target.value === ''
            ? reset()
            : set(e.target.value)
      }
    >
      {wrong && (
        <option value={NOT_AN_OPTION}>{JSON.stringify(value)} (not one of the options)</option>
      )}
      <option value="">(default)</option>
      {spec.kind.options.map((o) => (
        <option key={o}>{o}</option>
      ))}
    </select>
  );
}

function StringListControl({ spec, id, value, set, reset, describedBy }: ControlProps) {
  const k = spec.kind;
  if (k.type !== 'stringList') return null;
  const list =
    typeof value === 'string'
      ? [value]
      : Array.isArray(value)
        ? (value as unknown[]).map(String)
        : [];
  const update = (next: string[]) => (next.length === 0 ? reset() : set(next));
  const full = k.maxItems !== undefined && list.length >= k.maxItems;
  return (
    <div className="list-editor" id={id} aria-describedby={describedBy}>
      {list.map((item, i) => (
        <div className="list-row" key={i}>
          <input
            type="text"
            aria-label={`${spec.label} ${i + 1}`}
            value={item}
            onChange={(e) => update(list.map((x, j) => (j === i ? e.target.value : x)))}
          />
          <button
            type="button"
            className="icon"
            aria-label={`Remove ${spec.label} ${i + 1}`}
            onClick={() => update(list.filter((_, j) => j !== i))}
          >
            ✕
          </button>
        </div>
      ))}
      <button type="button" disabled={full} onClick={() => update([...list, ''])}>
        + Add {spec.name === 'stop' ? 'stop sequence' : 'choice'}
      </button>
      {full && <span className="hint">At most {k.maxItems}.</span>}
    </div>
  );
}

function LogitBiasControl({ spec, id, value, set, reset, describedBy }: ControlProps) {
  const entries = isObj(value) ? Object.entries(value) : [];
  const update = (next: [string, unknown][]) =>
    next.length === 0 ? reset() : set(Object.fromEntries(next));
  return (
    <div className="list-editor" id={id} aria-describedby={describedBy}>
      {entries.map(([tok, bias], i) => (
        <div className="list-row" key={i}>
          <input
            type="text"
            inputMode="numeric"
            aria-label={`Token id ${i + 1}`}
            value={tok}
            onChange={(e) => update(entries.map((x, j) => (j === i ? [e.target.value, x[1]] : x)))}
          />
          <input
            type="number"
            aria-label={`Bias ${i + 1}`}
            min={-100}
            max={100}
            value={typeof bias === 'number' ? bias : ''}
            onChange={(e) =>
              update(
                entries.map((x, j) =>
                  j === i ? [x[0], e.target.value === '' ? 0 : Number(e.target.value)] : x,
                ),
              )
            }
          />
          <button
            type="button"
            className="icon"
            aria-label={`Remove token ${tok}`}
            onClick={() => update(entries.filter((_, j) => j !== i))}
          >
            ✕
          </button>
        </div>
      ))}
      <button
        type="button"
        onClick={() => {
          let n = 0;
          while (entries.some(([k]) => k === String(n))) n++;
          update([...entries, [String(n), 0]]);
        }}
      >
        + Add token
      </button>
      <span className="hint">{spec.label}: token id → bias (-100…100).</span>
      <TokenLookup
        onPick={(id) => {
          if (!entries.some(([k]) => k === String(id))) update([...entries, [String(id), 0]]);
        }}
      />
    </div>
  );
}

function JsonControl({ spec, id, value, set, reset, setSyntaxError, describedBy }: ControlProps) {
  return (
    <JsonEditor
      id={id}
      value={value}
      placeholder={spec.initialValue}
      describedBy={describedBy}
      onValid={set}
      onClear={reset}
      onSyntaxError={setSyntaxError}
    />
  );
}

function ResponseFormatControl({
  id,
  value,
  set,
  reset,
  setSyntaxError,
  describedBy,
}: ControlProps) {
  const rf = isObj(value) ? value : undefined;
  const type = typeof rf?.type === 'string' ? rf.type : '';
  const js = isObj(rf?.json_schema) ? rf.json_schema : {};
  const setJs = (patch: Record<string, unknown>) => {
    const next = { ...js, ...patch };
    for (const k of Object.keys(next)) if (next[k] === undefined) delete next[k];
    set({ type: 'json_schema', json_schema: next });
  };
  return (
    <div className="compound">
      <select
        id={id}
        aria-describedby={describedBy}
        value={type}
        onChange={(e) => {
          const t = e.target.value;
          if (t === '') reset();
          else if (t === 'json_schema')
            set({
              type: t,
              json_schema: { name: 'answer', schema: { type: 'object' }, strict: true },
            });
          else set({ type: t });
        }}
      >
        <option value="">(default: text)</option>
        <option value="text">text</option>
        <option value="json_object">json_object</option>
        <option value="json_schema">json_schema</option>
      </select>
      {type === 'json_schema' && (
        <>
          <label>
            Name
            <input
              type="text"
              value={typeof js.name === 'string' ? js.name : ''}
              onChange={(e) => setJs({ name: e.target.value })}
            />
          </label>
          <label>
            Description
            <input
              type="text"
              value={typeof js.description === 'string' ? js.description : ''}
              onChange={(e) =>
                setJs({ description: e.target.value === '' ? undefined : e.target.value })
              }
            />
          </label>
          <label className="toggle">
            <input
              type="checkbox"
              checked={js.strict === true}
              onChange={(e) => setJs({ strict: e.target.checked })}
            />
            Strict
          </label>
          <JsonEditor
            id={`${id}-schema`}
            ariaLabel="JSON schema"
            value={js.schema}
            placeholder={{ type: 'object', properties: {} }}
            onValid={(schema) => setJs({ schema })}
            onClear={() => setJs({ schema: undefined })}
            onSyntaxError={setSyntaxError}
          />
        </>
      )}
    </div>
  );
}

function toolNames(draft: Record<string, unknown>): string[] {
  const tools = Array.isArray(draft.tools) ? draft.tools : [];
  return tools.flatMap((t) =>
    isObj(t) && isObj(t.function) && typeof t.function.name === 'string' ? [t.function.name] : [],
  );
}

function ToolChoiceControl({ id, value, set, reset, describedBy, draft }: ControlProps) {
  const current =
    typeof value === 'string'
      ? value
      : isObj(value) && isObj(value.function)
        ? `function:${String(value.function.name)}`
        : '';
  const names = toolNames(draft);
  if (current.startsWith('function:') && !names.includes(current.slice(9)))
    names.push(current.slice(9));
  return (
    <select
      id={id}
      aria-describedby={describedBy}
      value={current}
      onChange={(e) => {
        const v = e.target.value;
        if (v === '') reset();
        else if (v.startsWith('function:'))
          set({ type: 'function', function: { name: v.slice(9) } });
        else set(v);
      }}
    >
      <option value="">(default)</option>
      <option value="none">none</option>
      <option value="auto">auto</option>
      <option value="required">required</option>
      {names.map((n) => (
        <option key={n} value={`function:${n}`}>
          function: {n}
        </option>
      ))}
    </select>
  );
}

function StreamOptionsControl({ id, value, set, describedBy }: ControlProps) {
  const on = isObj(value) && value.include_usage === true;
  return (
    <label className="toggle">
      <input
        id={id}
        type="checkbox"
        aria-describedby={describedBy}
        checked={on}
        onChange={(e) => set({ include_usage: e.target.checked })}
      />
      include_usage
    </label>
  );
}

function ModelControl({ id, value, set, describedBy }: ControlProps) {
  return (
    <input
      id={id}
      type="text"
      aria-describedby={describedBy}
      value={typeof value === 'string' ? value : ''}
      onChange={(e) => set(e.target.value)}
    />
  );
}

export function ParamControl(props: ControlProps) {
  switch (props.spec.kind.type) {
    case 'number':
    case 'integer':
      return <NumberControl {...props} />;
    case 'boolean':
      return <BooleanControl {...props} />;
    case 'string':
      return <StringControl {...props} />;
    case 'enum':
      return <EnumControl {...props} />;
    case 'stringList':
      return <StringListControl {...props} />;
    case 'logitBias':
      return <LogitBiasControl {...props} />;
    case 'json':
      return <JsonControl {...props} />;
    case 'responseFormat':
      return <ResponseFormatControl {...props} />;
    case 'toolChoice':
      return <ToolChoiceControl {...props} />;
    case 'streamOptions':
      return <StreamOptionsControl {...props} />;
    case 'model':
      return <ModelControl {...props} />;
    case 'messages':
      return null;
  }
}
