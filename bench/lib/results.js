import fs from 'node:fs';
import { machineLine } from './machine.js';

/**
 * bench/RESULTS.md is rewritten one section at a time: each bench owns the text between
 * `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`, and the summary table is rebuilt from
 * bench/results.json (the latest rows of every bench, whichever run produced them). Text outside
 * the markers — such as the hand-written analysis — is kept as it is.
 */

const HEADER = `# agentd benchmark results

Written by \`npm run bench\` (\`node bench/run.js [name…]\`); see bench/README.md for what each bench
measures. Every figure is compared with a reference measured in the same run, interleaved where the
bench allows; each section carries the date and machine of the run that produced it. Targets are goals
from issues 2 and 3, not assertions.

`;

const SECTIONS_END = '<!-- bench:sections-end -->';

function block(name, body) {
  return `<!-- bench:${name} -->\n${body.trim()}\n<!-- /bench:${name} -->`;
}

function replaceOrInsert(text, name, body) {
  const re = new RegExp(`<!-- bench:${name} -->[\\s\\S]*?<!-- /bench:${name} -->`);
  const b = block(name, body);
  if (re.test(text)) return text.replace(re, () => b);
  if (text.includes(SECTIONS_END)) return text.replace(SECTIONS_END, () => `${b}\n\n${SECTIONS_END}`);
  return `${text.trimEnd()}\n\n${b}\n`;
}

export function table(header, rows) {
  const line = (cells) => `| ${cells.map((c) => String(c ?? '').replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function summaryBody(store, order) {
  const rows = [];
  for (const name of order) {
    const r = store.benches[name];
    if (!r) continue;
    for (const s of r.summary) rows.push([name, s.measure, s.ours, s.reference, s.ratio, s.target, s.verdict, r.machine.date.slice(0, 10)]);
  }
  return `## Summary\n\n${table(['bench', 'measure', 'agentd', 'reference / peer', 'ratio', 'target', 'verdict', 'run'], rows)}`;
}

/**
 * Record the benches of one run: `runs` = [{ name, title, machine, summary: [row], markdown }].
 * `order` is the canonical bench order, for the summary table.
 */
export function writeResults({ resultsMd, resultsJson, runs, order }) {
  let store = { benches: {} };
  try { store = JSON.parse(fs.readFileSync(resultsJson, 'utf8')); } catch { /* first run */ }
  for (const r of runs) store.benches[r.name] = { title: r.title, machine: r.machine, summary: r.summary };
  fs.writeFileSync(resultsJson, `${JSON.stringify(store, null, 2)}\n`);

  let text;
  try { text = fs.readFileSync(resultsMd, 'utf8'); } catch { text = `${HEADER}${block('summary', '## Summary')}\n\n${SECTIONS_END}\n`; }
  text = replaceOrInsert(text, 'summary', summaryBody(store, order));
  for (const name of order) {
    const r = runs.find((x) => x.name === name);
    if (!r) continue;
    const body = `## ${r.name} — ${r.title}\n\n*${machineLine(r.machine)}*\n\n${r.markdown.trim()}`;
    text = replaceOrInsert(text, name, body);
  }
  fs.writeFileSync(resultsMd, text);
}

/** The verdict of a figure against a target: lower or higher is better. */
export function verdict(value, target, better = 'lower') {
  if (!Number.isFinite(value) || !Number.isFinite(target)) return '—';
  return (better === 'lower' ? value <= target : value >= target) ? 'pass' : 'MISS';
}
