import {
  requestText,
  sideBySideLines,
  sideBySideWords,
  type DiffSegment,
} from '../../response/runDiff';
import type { RunView } from '../../store/runStore';
import './loop.css';

/* Model output is untrusted: every answer below is rendered as text, never as HTML. */

export const runLabel = (r: RunView) => r.responseId ?? r.runId;

function Segments({ segments, mark }: { segments: DiffSegment[]; mark: 'del' | 'ins' }) {
  const Mark = mark;
  return <>{segments.map((s, i) => (s.changed ? <Mark key={i}>{s.text}</Mark> : s.text))}</>;
}

function answerText(r: RunView, index: number): string {
  const c = r.choices.find((ch) => ch.index === index);
  if (!c) return '';
  const calls = c.toolCalls.map((t) => `${t.name}(${t.arguments})`).join('\n');
  return [c.content, calls].filter((s) => s !== '').join('\n');
}

/** Two runs side by side: the request JSON line by line, each answer word by word. */
export function RunDiff({ before, after }: { before: RunView; after: RunView }) {
  const rows = sideBySideLines(requestText(before.request), requestText(after.request));
  const changed = rows.filter((r) => r.kind !== 'same').length;
  const choiceCount = Math.max(before.choices.length, after.choices.length, 1);
  return (
    <div className="run-diff" data-testid="run-diff">
      <h4>
        Request: {changed === 0 ? 'the same' : `${changed} line${changed > 1 ? 's' : ''} differ`}
      </h4>
      <table className="diff-table" data-testid="request-diff">
        <thead>
          <tr>
            <th scope="col">{runLabel(before)}</th>
            <th scope="col">{runLabel(after)}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i} className={`diff-${r.kind}`} data-kind={r.kind}>
              <td className={r.left === null ? 'diff-empty' : undefined}>
                {r.kind !== 'same' && r.left !== null && <span className="diff-sign">− </span>}
                {r.left}
              </td>
              <td className={r.right === null ? 'diff-empty' : undefined}>
                {r.kind !== 'same' && r.right !== null && <span className="diff-sign">+ </span>}
                {r.right}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {Array.from({ length: choiceCount }, (_, index) => {
        const d = sideBySideWords(answerText(before, index), answerText(after, index));
        return (
          <div key={index} data-testid={`answer-diff-${index}`}>
            <h4>
              Answer{choiceCount > 1 ? ` (choice ${index})` : ''}:{' '}
              {d.differs ? 'differs' : 'the same'}
            </h4>
            <div className="diff-columns">
              <div className="diff-answer" data-testid="answer-before">
                <Segments segments={d.left} mark="del" />
              </div>
              <div className="diff-answer" data-testid="answer-after">
                <Segments segments={d.right} mark="ins" />
              </div>
            </div>
          </div>
        );
      })}
    </div>
  );
}
