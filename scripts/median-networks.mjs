// Generates src/wasm/assembly/median-networks.ts: the median of a k×k window (k = 2r + 1) as fixed
// networks of bytewise min/max, for a tile of T output rows at once (A. Adams, "Fast median filters
// using separable sorting networks", 2021, in its simplest form).
//
// Each image row is first sorted across: for every x, the k values x−r..x+r in order (a sorting
// network, run by the kernel once per row and kept in a ring). A window is then the union of k
// sorted rows. A tile's outputs share rows: the rows every window of the tile holds are merged once,
// and each half of the tile adds the rows its windows share, down to single outputs. After each
// merge only the ranks that can still be the median of some output of that part are kept: an
// element with more than the median's rank below it, or too few above, whatever the rows still to
// come, can be dropped (those dropped from below are counted, which lowers the rank sought).
//
// Tiles go down a column in order, and a tile shares merges with the tile above it: two tiles
// built as one network of 2T share nodes, and by translation every tile shares the same nodes with
// the one above. So each radius has two tiles: the first of a column, whole, which also hands on
// its carry (the values of those nodes), and the next, which takes the carry of the tile above and
// hands on the same nodes, a tile further down.
//
// Networks are built symbolically (padding with ±∞ that simplifies away, shared subexpressions,
// dead code removed) and checked before anything is written: each row sort on all 2^k inputs of 0
// and 1 (the 0-1 principle); the tiles against brute force on 3000 random columns of 1 to 5 tiles'
// height, rows clamped at both ends as the kernel's are, half of them 0-1 rows of random density,
// half bytes, run as the kernel runs them (the first tile whole, each below from the carry of the
// one above). tests/unit/ops/median.test.ts checks the kernel exactly.
//
//   node scripts/median-networks.mjs          writes the file
//   node scripts/median-networks.mjs --check  fails if the file is not what this script writes
//   node scripts/median-networks.mjs --count  prints the size of each network

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const OUT = fileURLToPath(new URL('../src/wasm/assembly/median-networks.ts', import.meta.url));
/** Radii with a network (above them the kernel keeps its histograms: see --count for r = 6, 7). */
export const RADII = [3, 4, 5, 6];
/**
 * Output rows per tile. --count gives 8 and 16 about the same ops a row, 4 about a sixth more; in
 * Chromium 8 is the fastest at every radius here (16 is ~40 % slower: too many values live at once).
 */
export const TILE = 8;

// ---- symbolic values -----------------------------------------------------------------------------

const NEG = { kind: 'neg' }; // −∞
const POS = { kind: 'pos' }; // +∞

class Net {
  nodes = [];
  #memo = new Map();
  input(name) {
    const n = { kind: 'in', name, id: this.nodes.length };
    this.nodes.push(n);
    return n;
  }
  #op(kind, a, b) {
    if (a.id > b.id) [a, b] = [b, a];
    const key = `${kind}:${a.id}:${b.id}`;
    let n = this.#memo.get(key);
    if (!n) {
      n = { kind, a, b, id: this.nodes.length };
      this.nodes.push(n);
      this.#memo.set(key, n);
    }
    return n;
  }
  min(a, b) {
    if (a === b) return a;
    if (a === NEG || b === NEG) return NEG;
    if (a === POS) return b;
    if (b === POS) return a;
    return this.#op('min', a, b);
  }
  max(a, b) {
    if (a === b) return a;
    if (a === POS || b === POS) return POS;
    if (a === NEG) return b;
    if (b === NEG) return a;
    return this.#op('max', a, b);
  }
}
NEG.id = -2;
POS.id = -1;

/** Batcher's odd-even merge of two sorted lists, each padded with +∞ to a power of two. */
function merge(net, a, b) {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  let p = 1;
  while (p < Math.max(a.length, b.length)) p *= 2;
  const pad = (l) => [...l, ...Array(p - l.length).fill(POS)];
  const all = [...pad(a), ...pad(b)];
  oddEvenMerge(net, all, 0, 2 * p, 1);
  return all.slice(0, a.length + b.length);
}

function cmpx(net, v, i, j) {
  const lo = net.min(v[i], v[j]);
  const hi = net.max(v[i], v[j]);
  v[i] = lo;
  v[j] = hi;
}

/** Knuth's formulation: merges v[lo..lo+n) whose halves (stride r) are sorted. */
function oddEvenMerge(net, v, lo, n, r) {
  const m = r * 2;
  if (m < n) {
    oddEvenMerge(net, v, lo, n, m);
    oddEvenMerge(net, v, lo + r, n, m);
    for (let i = lo + r; i + r < lo + n; i += m) cmpx(net, v, i, i + r);
  } else {
    cmpx(net, v, lo, lo + r);
  }
}

/** A sorted list of any length: Batcher's odd-even merge sort, padded with +∞. */
function sort(net, l) {
  if (l.length <= 1) return l;
  const h = l.length >> 1;
  return merge(net, sort(net, l.slice(0, h)), sort(net, l.slice(h)));
}

/** Merges many sorted lists, pairwise, smallest first. */
function mergeAll(net, lists) {
  const q = lists.filter((l) => l.length > 0);
  if (q.length === 0) return [];
  while (q.length > 1) {
    q.sort((x, y) => x.length - y.length);
    const a = q.shift();
    const b = q.shift();
    q.push(merge(net, a, b));
  }
  return q[0];
}

// ---- the tile network ----------------------------------------------------------------------------

/**
 * Outputs [t0, t1) of a tile whose windows' common rows are already merged into `list`, of which
 * `below` elements were dropped as smaller than every median of the range. Rows are relative to the
 * tile's first output row; `row(j)` gives row j's sorted values.
 */
function tile(net, k, r, row, t0, t1, have, list, below, out) {
  const m = (k * k - 1) >> 1;
  const lo = t1 - 1 - r, hi = t0 + r; // rows every window of [t0, t1) holds
  const parts = [{ list, cut: 0, size: list.length }];
  for (let j = lo; j <= hi; j++) if (!have.has(j)) parts.push({ list: row(j), cut: 0, size: k });
  const rows = new Set(have);
  for (let j = lo; j <= hi; j++) rows.add(j);
  const n = parts.reduce((a, p) => a + p.size, 0); // elements of the merged core
  const others = (k - (hi - lo + 1)) * k; // elements of each window not yet merged
  const want = m - below;
  const first = Math.max(0, want - others), last = Math.min(n - 1, want);
  // An element at position p of a part (of `size` elements, `cut` of them dropped from below) ends
  // between p + cut and p + cut + (n − size) in the merged core: outside [first, last], it never
  // matters, and is dropped before merging (from below: counted, as it is below every median here).
  const trim = (part) => {
    const from = Math.max(0, first - (n - part.size) - part.cut);
    const to = Math.min(part.list.length - 1, last - part.cut);
    return { list: part.list.slice(from, to + 1), cut: part.cut + Math.min(from, part.list.length), size: part.size };
  };
  const trimmed = parts.map(trim);
  // a part left with nothing still counts what it dropped from below
  const dropped = trimmed.reduce((a, p) => a + (p.list.length === 0 ? p.cut : 0), 0);
  const q = trimmed.filter((p) => p.list.length > 0);
  while (q.length > 1) {
    q.sort((x, y) => x.list.length - y.list.length);
    const [a, b] = q.splice(0, 2);
    q.push(trim({ list: merge(net, a.list, b.list), cut: a.cut + b.cut, size: a.size + b.size }));
  }
  const core = q[0] ?? { list: [], cut: 0 };
  const cut = core.cut + dropped;
  const kept = core.list.slice(first - cut, last - cut + 1);
  if (kept.length !== last - first + 1) throw new Error(`tile ${t0}..${t1}: kept ${kept.length}, want ${last - first + 1}`);
  if (t1 - t0 === 1) {
    if (kept.length !== 1) throw new Error(`tile ${t0}: ${kept.length} candidates left`);
    out[t0] = kept[0];
    return;
  }
  const mid = (t0 + t1) >> 1;
  tile(net, k, r, row, t0, mid, rows, kept, below + first, out);
  tile(net, k, r, row, mid, t1, rows, kept, below + first, out);
}

export function build(r, T) {
  const k = 2 * r + 1;
  const net = new Net();
  const rows = new Map();
  const row = (j) => {
    if (!rows.has(j)) rows.set(j, Array.from({ length: k }, (_, i) => net.input(`${j + r},${i}`)));
    return rows.get(j);
  };
  const out = [];
  tile(net, k, r, row, 0, T, new Set(), [], 0, out);
  return { net, out, row, rows: T + 2 * r, k };
}

/**
 * Tiles down a column, each reusing what the tile above computed. Two tiles of T rows, built as
 * one network of 2T, share many nodes (merges of the rows both tiles' windows hold); by translation,
 * every tile shares the same nodes with the tile above it. `first` is a whole tile's network, which
 * also hands on `carry`: the values the next tile needs from it. `next` is the tile below one that
 * was computed, given those values (in the same order), which hands on the same set, shifted down a
 * tile, for the tile below it.
 */
export function buildStream(r, T) {
  const { net, out, row, k } = build(r, 2 * T);
  const first = out.slice(0, T), second = out.slice(T);
  const firstOrder = live(first);
  const inFirst = new Set(firstOrder.map((n) => n.id));
  const byId = new Map(firstOrder.map((n) => [n.id, n]));
  const shifted = new Map();
  const shift = (n) => {
    if (n.kind === 'in') {
      const [j, i] = n.name.split(',').map(Number);
      return row(j - r + T)[i]; // input names are `${row + r},${i}`: rows relative to the tile's first output row − r
    }
    let m = shifted.get(n.id);
    if (!m) {
      m = net[n.kind](shift(n.a), shift(n.b));
      shifted.set(n.id, m);
    }
    return m;
  };
  // the nodes of the first tile the second needs: a fixed point, since what the second hands on
  // (the shifted carry) may need more of them
  let carry = [];
  for (let round = 0; ; round++) {
    if (round > 20) throw new Error(`r=${r} T=${T}: the carry does not settle`);
    const roots = [...second, ...carry.map(shift)];
    const need = live(roots, inFirst);
    const ids = new Set();
    for (const n of need) for (const x of [n.a, n.b]) if (inFirst.has(x.id)) ids.add(x.id);
    for (const x of roots) if (inFirst.has(x.id)) ids.add(x.id);
    const next = [...ids].sort((a, b) => a - b).map((id) => byId.get(id));
    if (next.length === carry.length && next.every((n, i) => n === carry[i])) break;
    carry = next;
  }
  const handed = carry.map(shift);
  return { k, first, firstOrder, carry, second, secondOrder: live([...second, ...handed], inFirst), handed };
}

/** The nodes the outputs need, in an order where each comes after its operands; nodes in `given` are taken as known. */
function live(out, given = new Set()) {
  const seen = new Set();
  const order = [];
  const visit = (n) => {
    if (n.kind === 'in' || seen.has(n.id) || given.has(n.id)) return;
    const stack = [[n, false]];
    while (stack.length) {
      const [x, done] = stack.pop();
      if (x.kind === 'in' || seen.has(x.id) || given.has(x.id)) continue;
      if (done) {
        seen.add(x.id);
        order.push(x);
        continue;
      }
      stack.push([x, true], [x.b, false], [x.a, false]);
    }
  };
  out.forEach(visit);
  return order;
}

/** Evaluates `order` with the values of nodes in `given` (by id) known; returns a node's value by id. */
function evaluateGiven(order, value, given) {
  const v = new Map(given);
  const get = (n) => (n.kind === 'in' ? value(n.name) : v.get(n.id));
  for (const n of order) v.set(n.id, n.kind === 'min' ? Math.min(get(n.a), get(n.b)) : Math.max(get(n.a), get(n.b)));
  return get;
}

/**
 * The tiles of a column as the kernel runs them (the first tile whole, each one below from the
 * carry of the one above), on columns of random heights with rows clamped at both ends, against a
 * brute-force median: 0-1 rows of random density and byte rows. A network of min/max that is right
 * on every 0-1 input is right on every input (the 0-1 principle); the space is too large to
 * enumerate, so many random 0-1 inputs of every density are tried, and byte inputs too, with the
 * rows sorted as the kernel sorts them.
 */
function checkStream(r, T, st, trials = 3000) {
  const k = 2 * r + 1;
  let seed = 54321;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let trial = 0; trial < trials; trial++) {
    const H = 1 + Math.floor(rnd() * 5 * T);
    const density = rnd();
    const bits = trial % 2 === 0;
    const grid = Array.from({ length: H }, () => Array.from({ length: k }, () => (bits ? (rnd() < density ? 1 : 0) : Math.floor(rnd() * 256))));
    const sorted = grid.map((row) => [...row].sort((a, b) => a - b));
    const clamp = (y) => Math.min(H - 1, Math.max(0, y));
    let carry = null;
    for (let y0 = 0; y0 < H; y0 += T) {
      const at = (shift) => (name) => {
        const [j, i] = name.split(',').map(Number);
        return sorted[clamp(y0 + j - shift - r)][i];
      };
      let got;
      if (carry === null) {
        const get = evaluateGiven(st.firstOrder, at(0), []);
        got = st.first.map(get);
        carry = st.carry.map(get);
      } else {
        const get = evaluateGiven(st.secondOrder, at(T), st.carry.map((n, i) => [n.id, carry[i]]));
        got = st.second.map(get);
        carry = st.handed.map(get);
      }
      for (let t = 0; t < T && y0 + t < H; t++) {
        const y = y0 + t;
        const all = [];
        for (let j = y - r; j <= y + r; j++) all.push(...grid[clamp(j)]);
        all.sort((a, b) => a - b);
        if (got[t] !== all[(k * k - 1) >> 1]) throw new Error(`r=${r} T=${T}: wrong median at row ${y} of a column of ${H} (trial ${trial})`);
      }
    }
  }
}

// ---- AssemblyScript -------------------------------------------------------------------------------

/**
 * The streamed tiles for radius r: medianTileFirst (a whole tile, which also hands on its carry)
 * and medianTileNext (the tile below one computed, from that one's carry).
 */
function emitStream(r, T, verify = true) {
  const st = buildStream(r, T);
  if (verify) checkStream(r, T, st);
  const k = st.k;
  const name = (n) => (n.kind === 'in' ? `i${n.name.replace(',', '_')}` : `n${n.id}`);
  const body = (order, outs, handed, shift, given) => {
    const lines = [];
    const used = new Map(); // input name in the tile's own rows → node
    for (const n of order) {
      for (const x of [n.a, n.b]) if (x.kind === 'in') used.set(x.name, x);
    }
    for (const x of [...outs, ...handed]) if (x.kind === 'in') throw new Error(`r=${r}: an input handed on`);
    const rowsUsed = new Map();
    for (const nm of used.keys()) {
      const [j, i] = nm.split(',').map(Number);
      if (j - shift < 0 || j - shift >= T + 2 * r) throw new Error(`r=${r}: row ${j} outside the tile`);
      if (!rowsUsed.has(j)) rowsUsed.set(j, []);
      rowsUsed.get(j).push(i);
    }
    given.forEach((n, i) => lines.push(`  const ${name(n)} = v128.load(carry, ${i * 16});`));
    for (const j of [...rowsUsed.keys()].sort((a, b) => a - b)) {
      lines.push(`  const a${j} = load<usize>(rows, ${(j - shift) * 4});`);
      for (const i of rowsUsed.get(j).sort((a, b) => a - b)) lines.push(`  const i${j}_${i} = v128.load(a${j}, ${i * 16});`);
    }
    for (const n of order) lines.push(`  const ${name(n)} = i8x16.${n.kind}_u(${name(n.a)}, ${name(n.b)});`);
    outs.forEach((n, t) => lines.push(`  v128.store(out, ${name(n)}, ${t * 16});`));
    handed.forEach((n, i) => lines.push(`  v128.store(carry, ${name(n)}, ${i * 16});`));
    return lines;
  };
  const rowsNote = `  // rows: ${T + 2 * r} addresses of sorted rows (the tile's rows −${r}..${T - 1 + r}), each ${k} vectors; carry: ${st.carry.length} vectors`;
  const text = [
    `/** The medians of ${T} output rows of a ${k}×${k} window, the first tile of a column: ${st.firstOrder.length} min/max. */`,
    `export function medianTileFirst${k}(rows: usize, out: usize, carry: usize): void {`,
    rowsNote,
    ...body(st.firstOrder, st.first, st.carry, 0, []),
    '}',
    '',
    `/** The same for the tile below one computed, from that one's carry: ${st.secondOrder.length} min/max. */`,
    `export function medianTileNext${k}(rows: usize, out: usize, carry: usize): void {`,
    rowsNote,
    ...body(st.secondOrder, st.second, st.handed, T, st.carry),
    '}',
  ].join('\n');
  return { text, carry: st.carry.length };
}

function emitSort(r, verify = true) {
  const k = 2 * r + 1;
  const net = new Net();
  const ins = Array.from({ length: k }, (_, i) => net.input(`0,${i}`));
  const sorted = sort(net, ins);
  const order = live(sorted);
  // the 0-1 principle, exhaustively: 2^k inputs
  for (let bits = 0; verify && bits < 1 << k; bits++) {
    const got = sorted.map(evaluateGiven(order, (name) => (bits >> Number(name.split(',')[1])) & 1, []));
    const ones = got.filter((x) => x === 1).length;
    for (let i = 0; i < k; i++) if (got[i] !== (i >= k - ones ? 1 : 0)) throw new Error(`sort ${k}: not sorted`);
  }
  const name = (n) => (n.kind === 'in' ? `i${n.name.split(',')[1]}` : `n${n.id}`);
  const lines = [];
  lines.push(`/** ${k} bytes across, at each of 16 positions: src[x − ${r} .. x + ${r}] sorted into ${k} vectors at dst (${order.length} min/max). */`);
  lines.push(`export function medianSortRow${k}(src: usize, dst: usize): void {`);
  for (let i = 0; i < k; i++) lines.push(`  const i${i} = v128.load(src, ${i});`);
  for (const n of order) lines.push(`  const ${name(n)} = i8x16.${n.kind}_u(${name(n.a)}, ${name(n.b)});`);
  sorted.forEach((n, i) => lines.push(`  v128.store(dst, ${name(n)}, ${i * 16});`));
  lines.push('}');
  return { text: lines.join('\n'), ops: order.length };
}

/** The file's text; `verify` checks every network first (--check only compares: writing verified it). */
function generate(verify = true) {
  const parts = [
    '// Generated by scripts/median-networks.mjs: do not edit (change the script and run it).',
    `// Median networks for radii ${RADII.join(', ')} (see the script and median.ts).`,
    '',
    '/** Output rows per tile. */',
    `export const MEDIAN_TILE: i32 = ${TILE};`,
    '',
    '/** Whether radius r has a network here. */',
    `export function medianNetHas(r: i32): bool {`,
    `  return ${RADII.map((r) => `r == ${r}`).join(' || ')};`,
    '}',
    '',
  ];
  const streams = RADII.map((r) => emitStream(r, TILE, verify));
  parts.push(
    '/** Bytes of the carry from one tile to the next, for the largest radius. */',
    `export const MEDIAN_CARRY_BYTES: i32 = ${Math.max(...streams.map((x) => x.carry)) * 16};`,
    '',
  );
  RADII.forEach((r, i) => {
    parts.push(emitSort(r, verify).text, '');
    parts.push(streams[i].text, '');
  });
  return parts.join('\n');
}

const arg = process.argv[2];
if (arg === '--count') {
  for (const r of (process.env.RADII ?? '3,4,5').split(',').map(Number)) {
    const s = emitSort(r).ops;
    for (const T of (process.env.TS ?? '2,4,8,16').split(',').map(Number)) {
      // per output row: the tile's ops over T, plus one row sort (each row is sorted once)
      const st = buildStream(r, T);
      for (const [what, ops] of [['a whole tile', st.firstOrder.length], [`each tile from the carry of the one above (carry ${st.carry.length})`, st.secondOrder.length]]) {
        console.log(`r=${r} T=${T}, ${what}: ${ops} ops, ${(ops / T).toFixed(1)} a row + row sort ${s} = ${(ops / T + s).toFixed(1)}`);
      }
    }
  }
} else if (arg === '--check') {
  if (readFileSync(OUT, 'utf8') !== generate(false)) {
    console.error(`${OUT} is not what scripts/median-networks.mjs writes: run it.`);
    process.exit(1);
  }
} else if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(OUT, generate());
  console.log(`wrote ${OUT}`);
}
