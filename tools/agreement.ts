// How closely a converted model tracks the original, natively (node-llama-cpp, test-only):
// greedy continuations of a few chat prompts by the reference model, then for each other model
// the top-1 agreement with the reference's next token at every position (teacher forcing) and
// the length of the identical prefix of its own greedy continuation.
// Usage: npx tsx tools/agreement.ts REF.gguf OTHER.gguf [...] [--tokens N]

import { getLlama, type Token } from 'node-llama-cpp';

const args = process.argv.slice(2);
const nIdx = args.indexOf('--tokens');
const N = nIdx >= 0 ? Number(args[nIdx + 1]) : 100;
const files = args.filter((a, i) => !a.startsWith('--') && i !== nIdx + 1);
const PROMPTS = [
  'Write a short story about a lighthouse keeper.',
  'Explain how a refrigerator works.',
  'List five facts about the planet Mars.',
  'What is the capital of France, and why is it famous?',
  'Give me a recipe for pancakes.',
];
const chat = (p: string) =>
  `<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\n${p}<|im_end|>\n<|im_start|>assistant\n`;

const llama = await getLlama({ gpu: false, build: 'never' });

async function open(file: string) {
  const model = await llama.loadModel({ modelPath: file });
  const context = await model.createContext({ contextSize: 1024, threads: 1 });
  return { model, context };
}

async function greedy(file: string): Promise<Token[][]> {
  const { model, context } = await open(file);
  const out: Token[][] = [];
  const seq = context.getSequence();
  for (const p of PROMPTS) {
    await seq.clearHistory();
    const gen: Token[] = [];
    for await (const t of seq.evaluate(model.tokenize(chat(p), true), { temperature: 0 })) {
      gen.push(t);
      if (gen.length >= N || model.isEogToken(t)) break;
    }
    out.push(gen);
  }
  await context.dispose();
  await model.dispose();
  return out;
}

async function forced(file: string, ref: Token[][]): Promise<{ agree: number; total: number }> {
  const { model, context } = await open(file);
  let agree = 0;
  let total = 0;
  const seq = context.getSequence();
  for (let i = 0; i < PROMPTS.length; i++) {
    const prompt = model.tokenize(chat(PROMPTS[i]!), true);
    const gen = ref[i]!;
    const input = [...prompt, ...gen.slice(0, -1)];
    await seq.clearHistory();
    const res = await seq.controlledEvaluate(
      input.map((t, j) =>
        j >= prompt.length - 1
          ? [t, { generateNext: { token: true, options: { temperature: 0 } } }]
          : t,
      ),
    );
    for (let j = prompt.length - 1; j < input.length; j++) {
      total++;
      if (res[j]?.next?.token === gen[j - prompt.length + 1]) agree++;
    }
  }
  await context.dispose();
  await model.dispose();
  return { agree, total };
}

const [refFile, ...others] = files;
if (!refFile) throw new Error('usage: tsx tools/agreement.ts REF.gguf OTHER.gguf ...');
const ref = await greedy(refFile);
console.log(
  `reference ${refFile}: ${ref.reduce((n, g) => n + g.length, 0)} greedy tokens over ${PROMPTS.length} prompts`,
);
for (const f of [refFile, ...others]) {
  const own = await greedy(f);
  const prefix = own.map((g, i) => {
    let k = 0;
    while (k < g.length && g[k] === ref[i]![k]) k++;
    return k;
  });
  const { agree, total } = await forced(f, ref);
  console.log(
    `${f}: top-1 agreement ${agree}/${total} (${((agree / total) * 100).toFixed(1)}%), identical greedy prefix per prompt: ${prefix.join(', ')} of ${ref.map((g) => g.length).join(', ')}`,
  );
}
