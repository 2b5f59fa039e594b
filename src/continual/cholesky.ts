import { HeadstartError } from '../core/index.js';

/**
 * Solves A X = B for a symmetric positive definite A (n x n, row-major) and B (n x m, row-major) by Cholesky
 * factorisation; A is not modified. Throws when A is not positive definite (shrinkage keeps SLDA's covariance so).
 */
export function solveSpd(a: Float64Array, n: number, b: Float64Array, m: number): Float64Array {
  const l = new Float64Array(n * n);
  // The hot loop (n³/6 multiply-adds): plain indexed reads, every index in range by construction.
  for (let i = 0; i < n; i++) {
    const li = i * n;
    for (let j = 0; j <= i; j++) {
      const lj = j * n;
      // Four partial sums let the loop run about twice as fast in V8 as one.
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let k = 0;
      for (; k + 3 < j; k += 4) {
        s0 += (l[li + k] as number) * (l[lj + k] as number);
        s1 += (l[li + k + 1] as number) * (l[lj + k + 1] as number);
        s2 += (l[li + k + 2] as number) * (l[lj + k + 2] as number);
        s3 += (l[li + k + 3] as number) * (l[lj + k + 3] as number);
      }
      for (; k < j; k++) s0 += (l[li + k] as number) * (l[lj + k] as number);
      const sum = (a[li + j] as number) - (s0 + s1 + s2 + s3);
      if (i === j) {
        if (!(sum > 0)) throw new HeadstartError('HS_ENGINE_FAILED', `The shared covariance is not positive definite (pivot ${i} is ${sum}): raise the shrinkage.`);
        l[li + i] = Math.sqrt(sum);
      } else {
        l[li + j] = sum / (l[lj + j] as number);
      }
    }
  }
  // Forward (L Y = B), then backward (Lᵀ X = Y) substitution, all m columns at once.
  const x = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) {
      const f = l[i * n + k] ?? 0;
      if (f !== 0) for (let c = 0; c < m; c++) x[i * m + c] = (x[i * m + c] ?? 0) - f * (x[k * m + c] ?? 0);
    }
    const d = l[i * n + i] ?? 1;
    for (let c = 0; c < m; c++) x[i * m + c] = (x[i * m + c] ?? 0) / d;
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) {
      const f = l[k * n + i] ?? 0;
      if (f !== 0) for (let c = 0; c < m; c++) x[i * m + c] = (x[i * m + c] ?? 0) - f * (x[k * m + c] ?? 0);
    }
    const d = l[i * n + i] ?? 1;
    for (let c = 0; c < m; c++) x[i * m + c] = (x[i * m + c] ?? 0) / d;
  }
  return x;
}
