import { useState } from 'react';
import { GROUP_LABELS, GROUP_ORDER, PARAMS, type ParamSpec } from '../../request/params';
import { useRequestStore } from '../../store/requestStore';
import type { Validation } from '../useValidation';
import { ParamControl } from './controls';
import { GrammarView } from './GrammarView';
import { StringCapSetting } from './StringCapSetting';

function ParamRow({ spec, validation }: { spec: ParamSpec; validation: Validation }) {
  const value = useRequestStore((s) => s.draft[spec.name]);
  const draft = useRequestStore((s) => s.draft);
  const editorError = useRequestStore((s) => s.editorErrors[spec.name]);
  const setParam = useRequestStore((s) => s.setParam);
  const resetParam = useRequestStore((s) => s.resetParam);
  const setEditorError = useRequestStore((s) => s.setEditorError);
  const [showHelp, setShowHelp] = useState(false);
  const id = `param-${spec.name}`;
  const helpId = `${id}-help`;
  const errors = validation.byParam.get(spec.name) ?? [];
  // Required fields (model) are always sent: neither "default" nor resettable.
  const changed = value !== undefined && !spec.required;
  // Sent, but the value a new draft starts with (stream: true), not the user's change.
  const atPlaygroundDefault =
    spec.playgroundDefault !== undefined && Object.is(value, spec.playgroundDefault);
  return (
    <div
      className={`param-row${changed ? ' changed' : ''}${errors.length || editorError ? ' has-error' : ''}`}
      data-testid={id}
      data-param={spec.name}
    >
      <div className="param-head">
        <label htmlFor={id} title={spec.help}>
          {spec.label} <code className="param-name">{spec.name}</code>
        </label>
        {spec.source === 'vllm' && (
          <span className="badge vllm" title="vLLM extra parameter">
            vLLM
          </span>
        )}
        {spec.deprecated && (
          <span className="badge deprecated" title={spec.deprecated}>
            deprecated
          </span>
        )}
        {spec.required ? (
          <span className="badge state is-required">always sent</span>
        ) : atPlaygroundDefault ? (
          <span
            className="badge state is-playground-default"
            title={`Sent as ${JSON.stringify(value)}: the playground starts with it (the API default is ${JSON.stringify(spec.defaultValue)}).`}
          >
            playground default
          </span>
        ) : (
          <span className={`badge state ${changed ? 'is-changed' : 'is-default'}`}>
            {changed ? 'changed' : 'default'}
          </span>
        )}
        <button
          type="button"
          className="icon"
          aria-label={`Help for ${spec.name}`}
          aria-expanded={showHelp}
          onClick={() => setShowHelp(!showHelp)}
        >
          ?
        </button>
        {!spec.required && (
          <button
            type="button"
            className="icon reset"
            aria-label={`Reset ${spec.name}`}
            disabled={!changed}
            onClick={() => resetParam(spec.name)}
            title="Reset to default (not sent)"
          >
            ↺
          </button>
        )}
      </div>
      <p className={`help${showHelp ? ' open' : ''}`} id={helpId}>
        {spec.help}
        {spec.defaultValue !== undefined && (
          <>
            {' '}
            Default: <code>{JSON.stringify(spec.defaultValue)}</code>.
            {spec.playgroundDefault !== undefined && (
              <>
                {' '}
                A new draft here starts with <code>{JSON.stringify(spec.playgroundDefault)}</code>.
              </>
            )}
          </>
        )}
      </p>
      <ParamControl
        spec={spec}
        id={id}
        value={value}
        draft={draft}
        describedBy={helpId}
        set={(v) => setParam(spec.name, v)}
        reset={() => resetParam(spec.name)}
        setSyntaxError={(m) => setEditorError(spec.name, m)}
      />
      {errors.map((e, i) => (
        <div className="field-error" role="alert" key={i} data-testid={`error-${spec.name}`}>
          {e.message}
        </div>
      ))}
    </div>
  );
}

export function ParamsForm({ validation }: { validation: Validation }) {
  const resetAll = useRequestStore((s) => s.resetAll);
  // Changed from where a new draft starts (a playground default is no change).
  const changedCount = useRequestStore(
    (s) =>
      PARAMS.filter(
        (p: ParamSpec) =>
          !p.required &&
          s.draft[p.name] !== undefined &&
          !Object.is(s.draft[p.name], p.playgroundDefault),
      ).length,
  );
  return (
    <section className="params" aria-label="Parameters">
      <div className="section-head">
        <h2>Parameters</h2>
        <span className="hint">{changedCount} changed · only set parameters are sent</span>
        <button type="button" onClick={resetAll} disabled={changedCount === 0}>
          Reset all
        </button>
      </div>
      <details className="group" open>
        <summary>{GROUP_LABELS.model}</summary>
        {PARAMS.filter((p) => p.group === 'model').map((p) => (
          <ParamRow key={p.name} spec={p} validation={validation} />
        ))}
      </details>
      {GROUP_ORDER.map((g) => (
        <details className="group" key={g} open>
          <summary>{GROUP_LABELS[g]}</summary>
          {PARAMS.filter((p) => p.group === g).map((p) => (
            <ParamRow key={p.name} spec={p} validation={validation} />
          ))}
          {g === 'structured' && <StringCapSetting />}
          {g === 'structured' && <GrammarView />}
        </details>
      ))}
    </section>
  );
}
