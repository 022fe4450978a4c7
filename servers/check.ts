/**
 * One probe against one running server: the exported body, the report's prediction, what
 * the server answered, the exported code's result, and the proofs behind each refused and
 * dropped line. Failures are soft (every probe runs) and name the probe.
 */
import { expect, test, type Page } from '@playwright/test';
import { Ajv } from 'ajv';
import { isParamName } from '../src/request/params';
import { CODE_LANGS } from '../src/server/code';
import { factFor, type Target } from '../src/server/facts';
import { jsonEqual, translateRequest } from '../src/server/translate';
import { freshApp, RequestPanel, ResponsePanel } from '../e2e/pages';
import {
  parsePrinted,
  predicted,
  runExportedCode,
  send,
  type Answer,
  type Expected,
  type RunningServer,
} from './harness';
import type { Probe } from './probes';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const ajv = new Ajv({ strict: false });

function show(a: Answer): string {
  return `${a.status} ${a.raw.slice(0, 400)}`;
}

/** The constraint the body asks the server to enforce, as a check on the text. */
function constraintOf(body: Record<string, unknown>): ((text: string) => string | null) | null {
  const so = isObject(body.structured_outputs) ? body.structured_outputs : {};
  const rf = isObject(body.response_format) ? body.response_format : {};
  const schema =
    so.json ??
    body.json_schema ??
    (rf.type === 'json_schema' && isObject(rf.json_schema) ? rf.json_schema.schema : undefined);
  if (schema !== undefined) {
    const validate = ajv.compile(
      (typeof schema === 'string' ? JSON.parse(schema) : schema) as object,
    );
    return (text) => {
      let v: unknown;
      try {
        v = JSON.parse(text);
      } catch {
        return `not JSON: ${text}`;
      }
      return validate(v) ? null : `not valid for the schema: ${text}`;
    };
  }
  if (rf.type === 'json_object')
    return (text) => {
      try {
        JSON.parse(text);
        return null;
      } catch {
        return `not JSON: ${text}`;
      }
    };
  if (typeof so.regex === 'string') {
    const re = new RegExp(`^(?:${so.regex})$`, 'u');
    return (text) => (re.test(text) ? null : `does not match ${so.regex}: ${text}`);
  }
  if (Array.isArray(so.choice)) {
    const choices = so.choice;
    return (text) =>
      choices.includes(text) ? null : `not one of ${JSON.stringify(choices)}: ${text}`;
  }
  return null;
}

/** What a 200 must show: the constraint kept, tool calls forced, n choices, logprobs. */
function checkHonoured(name: string, body: Record<string, unknown>, a: Answer, probe: Probe): void {
  const json = a.json;
  const choice0 = Array.isArray(json?.choices) && isObject(json.choices[0]) ? json.choices[0] : {};
  const finish = choice0.finish_reason;
  const constraint = constraintOf(body);
  const forced =
    probe.forcesTools !== false && (body.tool_choice === 'required' || isObject(body.tool_choice))
      ? body.tool_choice
      : null;
  if (forced !== null && body.stream !== true) {
    const calls = a.choices[0]?.tool_calls;
    expect
      .soft(Array.isArray(calls) && calls.length > 0, `${name}: a forced tool call: ${show(a)}`)
      .toBe(true);
    if (isObject(forced) && isObject(forced.function) && Array.isArray(calls) && isObject(calls[0]))
      expect
        .soft(JSON.stringify(calls[0]), `${name}: the named function`)
        .toContain(String(forced.function.name));
    return;
  }
  // json_object bounds nothing: a long object may be cut at max_tokens.
  const openEnded =
    finish === 'length' &&
    isObject(body.response_format) &&
    body.response_format.type === 'json_object';
  if (!openEnded && (constraint !== null || probe.content !== undefined)) {
    const text = a.content ?? '';
    if (body.stream !== true)
      expect
        .soft(
          finish,
          `${name}: the constrained answer ends by itself, not at max_tokens: ${show(a)}`,
        )
        .toBe('stop');
    const problem = constraint?.(text) ?? null;
    expect.soft(problem, `${name}: the constraint is honoured`).toBeNull();
    if (probe.content !== undefined)
      expect.soft(probe.content(text), `${name}: content ${JSON.stringify(text)}`).toBe(true);
  }
  if (typeof body.n === 'number' && body.n > 1 && body.stream !== true)
    expect.soft(a.choices.length, `${name}: n choices`).toBe(body.n);
  if (body.logprobs === true && body.stream !== true) {
    const lp = isObject(choice0.logprobs) ? choice0.logprobs.content : undefined;
    expect
      .soft(Array.isArray(lp) && lp.length > 0, `${name}: logprobs returned: ${show(a)}`)
      .toBe(true);
    const k = typeof body.top_logprobs === 'number' ? body.top_logprobs : 0;
    if (k > 0 && Array.isArray(lp) && isObject(lp[0]))
      expect
        .soft((lp[0].top_logprobs as unknown[] | undefined)?.length, `${name}: top_logprobs`)
        .toBe(k);
  }
  if (body.stream === true) {
    expect.soft(a.raw, `${name}: the stream ends with [DONE]`).toContain('data: [DONE]');
    if (isObject(body.stream_options) && body.stream_options.include_usage === true)
      expect.soft(a.raw, `${name}: include_usage sends usage`).toMatch(/"usage":\{"/);
  }
}

function checkAnswer(name: string, exp: Expected, a: Answer): void {
  expect
    .soft(
      a.status,
      `${name}: the report predicts ${exp.status}${exp.says.length ? ` (${exp.says.join(' | ')})` : ''}; the server said ${show(a)}`,
    )
    .toBe(exp.status);
  if (exp.status === 400 && exp.says.length > 0)
    expect
      .soft(
        exp.says.some((s) => (a.errorMessage ?? '').includes(s)),
        `${name}: the 400 says one of ${JSON.stringify(exp.says)}: ${show(a)}`,
      )
      .toBe(true);
}

export interface ProbeOptions {
  target: Target;
  /** The FLAGS values the server runs with. */
  flags: readonly string[];
  /** Run the exported curl, Python and JavaScript too. */
  code: boolean;
  /** Whether "required" and a named tool_choice force a call with this server and model. */
  forcesTools: boolean;
}

/** Sends one probe and checks everything the report says about it. */
export async function checkProbe(
  server: RunningServer,
  probe: Probe,
  opts: ProbeOptions,
): Promise<void> {
  const { target } = opts;
  const name = `[${server.name}] ${probe.name}`;
  const { body, report } = translateRequest(probe.draft, target);
  const exp = predicted(report, opts.flags);
  const a = await send(server, body);
  checkAnswer(name, exp, a);
  if (exp.status === 200 && a.status === 200)
    checkHonoured(name, body, a, { ...probe, forcesTools: opts.forcesTools });

  // A refused line: the server answers 400 to the field the report left out.
  if (exp.status === 200 && report.some((l) => l.action === 'refused')) {
    const raw = translateRequest(probe.draft, target, { keepRefused: true }).body;
    if (!jsonEqual(raw, body)) {
      const says = report.flatMap((l) =>
        l.action === 'refused' && l.serverSays !== undefined ? [l.serverSays] : [],
      );
      const r = await send(server, raw);
      checkAnswer(`${name} (sent with what the report refused)`, { status: 400, says }, r);
    }
  }

  // A dropped line: the server ignores the field (200), here sent anyway, in every form it
  // has (a guided field also as vLLM's structured_outputs).
  const dropped = report.filter((l) => l.action === 'dropped' && isParamName(l.param));
  if (exp.status === 200 && dropped.length > 0) {
    const raw: Record<string, unknown> = { ...body };
    for (const l of dropped) if (isParamName(l.param)) raw[l.param] = probe.draft[l.param];
    const vllm = translateRequest(probe.draft, 'vllm').body;
    if (target !== 'vllm' && vllm.structured_outputs !== undefined)
      raw.structured_outputs = vllm.structured_outputs;
    const r = await send(server, raw);
    checkAnswer(`${name} (sent with what the report dropped)`, { status: 200, says: [] }, r);
    // Left out or sent, the answer is the same kind: the field has no effect a check can see.
    if (
      r.status === 200 &&
      dropped.some((l) => isParamName(l.param) && factFor(l.param, target).send.as === 'dropped')
    ) {
      expect
        .soft(r.choices.length, `${name}: dropped fields change nothing visible`)
        .toBe(a.choices.length);
    }
  }

  if (!opts.code) return;
  for (const lang of CODE_LANGS) {
    const run = await runExportedCode(server, body, lang);
    const out = `${run.stdout}\n${run.stderr}`.slice(0, 600);
    if (exp.status === 200) {
      expect.soft(run.code, `${name}: exported ${lang} runs: ${out}`).toBe(0);
      if (lang === 'curl') {
        const text = run.stdout;
        if (body.stream === true)
          expect.soft(text, `${name}: curl gets the stream`).toContain('data: [DONE]');
        else expect.soft(text, `${name}: curl gets a completion`).toContain('"choices"');
      } else if (body.stream !== true && a.status === 200) {
        // Every choice is printed with its finish reason, content and tool calls.
        const printed = parsePrinted(run.stdout);
        expect.soft(printed, `${name}: exported ${lang} prints the choices: ${out}`).not.toBeNull();
        if (printed === null) continue;
        expect
          .soft(printed.length, `${name}: exported ${lang} prints every choice: ${out}`)
          .toBe(a.choices.length);
        const calls = a.choices[0]?.tool_calls;
        if (Array.isArray(calls) && calls.length > 0)
          expect
            .soft(
              printed[0]?.calls.length,
              `${name}: exported ${lang} prints the tool calls: ${out}`,
            )
            .toBe(calls.length);
        else if (a.content !== null && body.tool_choice === undefined) {
          const text = printed[0]?.content ?? '';
          const rf = isObject(body.response_format) ? body.response_format : {};
          const constraint = rf.type === 'json_object' ? null : constraintOf(body);
          if (constraint !== null)
            expect
              .soft(
                constraint(text),
                `${name}: exported ${lang} prints an answer that keeps the constraint`,
              )
              .toBeNull();
          if (probe.content !== undefined)
            expect
              .soft(probe.content(text), `${name}: exported ${lang} prints ${JSON.stringify(text)}`)
              .toBe(true);
        }
      }
    } else {
      const all = `${run.stdout}${run.stderr}`;
      // curl prints the JSON error body, where quotes are escaped.
      const said =
        exp.says.length === 0 ||
        exp.says.some((s) => all.includes(s) || all.includes(JSON.stringify(s).slice(1, -1)));
      if (lang === 'curl')
        expect.soft(run.stdout, `${name}: curl shows the error`).toContain('"error"');
      else expect.soft(run.code, `${name}: exported ${lang} fails: ${out}`).not.toBe(0);
      expect.soft(said, `${name}: exported ${lang} shows the server's message: ${out}`).toBe(true);
    }
  }
}

/** Runs every probe, each a step, all failures reported together. */
export async function checkAll(
  server: RunningServer,
  probes: readonly Probe[],
  opts: ProbeOptions,
): Promise<void> {
  for (const probe of probes) {
    await test.step(probe.name, async () => {
      await checkProbe(server, probe, opts);
    });
  }
}

/** The Server engine in Chromium: a streamed run from this server into the response view. */
export async function streamInPage(
  page: Page,
  server: RunningServer,
  sendAs: Target,
  key: string | null,
): Promise<void> {
  await freshApp(page);
  await new RequestPanel(page).json.fill(
    JSON.stringify({
      model: 'smollm2',
      messages: [{ role: 'user', content: 'Is the sky blue? Answer yes or no.' }],
      max_tokens: 8,
      stream: true,
      stream_options: { include_usage: true },
      guided_choice: ['yes', 'no'],
    }),
  );
  await page.getByLabel('Engine').selectOption('server');
  await page.getByLabel('Server base URL').fill(server.baseUrl);
  await page.getByLabel('Send as').selectOption(sendAs);
  await page.getByLabel('Server model').fill('smollm2');
  if (key !== null) await page.getByLabel('API key').fill(key);
  const response = new ResponsePanel(page);
  await response.runButton.click();
  await response.waitDone(120_000);
}
