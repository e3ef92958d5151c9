// Coefficients of the gaussian kernels in src/wasm/assembly/gaussian.ts.
//
// Recursive (sigma >= FIR_LIMIT): Vliet, Young & Verbeek, "Recursive Gaussian derivative filters"
// (ICPR 1998), 5 poles designed for sigma 2 and rescaled to any sigma by q, found so that the
// filter's variance is exactly sigma². The causal filter is a cascade of two biquads and one
// first-order section (the direct 5th-order form loses all precision in f32 at large sigma:
// sections do not). The anticausal filter uses the same sections backwards. The right-edge start state comes from the Triggs–Sdika matrix M, computed here by
// running the sections on each unit state, which handles any section layout exactly.
//
// FIR (sigma < FIR_LIMIT): the sampled gaussian on [-R, R], R = ceil(4 sigma), normalised.

/** Below this sigma the exact FIR is used: the recursive design is poor for narrow kernels. */
export const FIR_LIMIT = 1.5;

/** Non-causal poles for sigma0 = 2 (VYV 1998, 5th order): two conjugate pairs and one real pole. */
const POLES: readonly (readonly [number, number])[] = [
  [0.8643, 1.45186],
  [1.61433, 0.83134],
  [1.87504, 0],
];

type Complex = readonly [number, number];

function cpow(z: Complex, p: number): Complex {
  const m = Math.hypot(z[0], z[1]) ** p;
  const t = Math.atan2(z[1], z[0]) * p;
  return [m * Math.cos(t), m * Math.sin(t)];
}

/** Variance of the causal+anticausal filter whose poles are POLES^(1/q) (VYV eq. 20). */
function variance(q: number): number {
  let sum = 0;
  for (const d of POLES) {
    const conj = d[1] === 0 ? [d] : [d, [d[0], -d[1]] as const];
    for (const p of conj) {
      const z = cpow(p, 1 / q);
      const a = z[0] - 1;
      const b = z[1];
      // z / (z - 1)^2, real part
      const den = [a * a - b * b, 2 * a * b] as const;
      const dd = den[0] * den[0] + den[1] * den[1];
      sum += (z[0] * den[0] + z[1] * den[1]) / dd;
    }
  }
  return 2 * sum;
}

function scaleFor(sigma: number): number {
  // the variance grows monotonically with q: bisection is simple and always converges
  let lo = 0.05;
  let hi = 4 * sigma + 10;
  for (let i = 0; i < 100; i++) {
    const m = (lo + hi) / 2;
    if (variance(m) < sigma * sigma) lo = m;
    else hi = m;
  }
  return (lo + hi) / 2;
}

interface Section {
  readonly a1: number;
  readonly a2: number;
}

/** One sample through the unnormalised sections; state layout [A1, A2, B1, B2, C1]. */
function step(secs: readonly Section[], st: Float64Array, x: number): number {
  const [A, B, C] = secs as [Section, Section, Section];
  const ya = x - A.a2 * st[1]! - A.a1 * st[0]!;
  st[1] = st[0]!;
  st[0] = ya;
  const yb = ya - B.a2 * st[3]! - B.a1 * st[2]!;
  st[3] = st[2]!;
  st[2] = yb;
  const yc = yb - C.a1 * st[4]!;
  st[4] = yc;
  return yc;
}

const NSTATE = 5;

/**
 * The f32 parameter block of iirSetup (see gaussian.ts): a1A a2A a1B a2B a1C, G², 128·G, G, the
 * causal steady state per unit input ssc[5], the anticausal one ssa[5], then M[j*5+i], the weight
 * of causal end-state deviation j in anticausal start state i. Sections have no input gain; G is
 * the DC gain they lack (the product of 1 + a1 + a2 over sections).
 */
export function recursiveCoefficients(sigma: number): Float32Array {
  const q = scaleFor(sigma);
  const f = Math.fround;
  const secs: Section[] = POLES.map((d) => {
    const z = cpow(d, 1 / q);
    const m2 = z[0] * z[0] + z[1] * z[1];
    const p: Complex = [z[0] / m2, -z[1] / m2]; // causal pole 1/z
    // the kernel runs on the f32 coefficients: everything below derives from those
    return d[1] === 0 ? { a1: f(-p[0]), a2: 0 } : { a1: f(-2 * p[0]), a2: f(p[0] * p[0] + p[1] * p[1]) };
  });
  const [gA, gB, gC] = secs.map((s) => 1 + s.a1 + s.a2) as [number, number, number];
  const G = gA * gB * gC;
  const ssc = [1 / gA, 1 / gA, 1 / (gA * gB), 1 / (gA * gB), 1 / G];

  // Triggs–Sdika by simulation: the response of the extension beyond the edge to a unit deviation
  // of each causal state, observed as the anticausal state at the edge.
  let slowest = 0;
  for (const d of POLES) slowest = Math.max(slowest, 1 / Math.hypot(...cpow(d, 1 / q)));
  const len = Math.min(200_000, Math.ceil(Math.log(1e-12) / Math.log(slowest)) + 16);
  const u = new Float64Array(len);
  const M = new Float64Array(NSTATE * NSTATE);
  for (let j = 0; j < NSTATE; j++) {
    const st = new Float64Array(NSTATE);
    st[j] = 1;
    for (let n = 0; n < len; n++) u[n] = step(secs, st, 0);
    const back = new Float64Array(NSTATE);
    for (let n = len - 1; n >= 0; n--) step(secs, back, u[n]!);
    for (let i = 0; i < NSTATE; i++) M[j * NSTATE + i] = back[i]!;
  }
  return Float32Array.from([
    secs[0]!.a1, secs[0]!.a2, secs[1]!.a1, secs[1]!.a2, secs[2]!.a1,
    G * G, 128 * G, G,
    ...ssc,
    ...ssc.map((v) => v / G),
    ...M,
  ]);
}

/** Half of the normalised sampled kernel: w[0] the centre, w[k] for offsets ±k. */
export function firWeights(sigma: number): Float32Array {
  const r = Math.ceil(4 * sigma);
  const w = new Float64Array(r + 1);
  let sum = 0;
  for (let k = 0; k <= r; k++) {
    w[k] = Math.exp((-k * k) / (2 * sigma * sigma));
    sum += k === 0 ? w[k]! : 2 * w[k]!;
  }
  return Float32Array.from(w, (v) => v / sum);
}
