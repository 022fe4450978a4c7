import { useTabOptionsStore } from '../../store/tabOptionsStore';

/**
 * "In the tab: cap free JSON strings": a tab behaviour (CompileOptions.stringCap), not a request
 * parameter, so it is never in the request JSON, the exports or a server run.
 */
export function StringCapSetting() {
  const on = useTabOptionsStore((s) => s.stringCapOn);
  const cap = useTabOptionsStore((s) => s.stringCap);
  const setOn = useTabOptionsStore((s) => s.setStringCapOn);
  const setCap = useTabOptionsStore((s) => s.setStringCap);
  const valid = Number.isInteger(cap) && cap >= 1;
  return (
    <div className="param tab-option" data-testid="string-cap-setting">
      <label>
        <input
          type="checkbox"
          checked={on}
          onChange={(e) => setOn(e.target.checked)}
          data-testid="string-cap-on"
        />{' '}
        <span className="badge">tab only</span> In the tab: cap free JSON strings at{' '}
        <input
          type="number"
          min={1}
          step={1}
          value={Number.isFinite(cap) ? cap : ''}
          onChange={(e) => setCap(e.target.valueAsNumber)}
          aria-label="String cap length in characters"
          aria-invalid={!valid}
          data-testid="string-cap-length"
          style={{ width: '6em' }}
        />{' '}
        characters
      </label>
      <p className="hint">
        For JSON output, strings whose schema gives no maxLength, pattern, format, enum or const end
        after this many characters, so a small model cannot wander inside one. Servers have no such
        setting: it is not sent, not exported, and the run says when it was applied.
      </p>
      {on && !valid && (
        <div className="field-error" role="alert" data-testid="string-cap-error">
          The cap must be a whole number of at least 1; runs use no cap until it is.
        </div>
      )}
    </div>
  );
}
