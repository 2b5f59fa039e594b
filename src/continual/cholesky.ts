import { HeadstartError } from '../core/index.js';

/**
 * Solves A X = B for a symmetric positive definite A (n x n, row-major) and B (n x m, row-major) by Cholesky
 * factorisation; A is not modified. Throws when A is not positive definite (shrinkage keeps SLDA's covariance so).
 */
export function solveSpd(a: Float64Array, n: number, b: Float64Array, m: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const li = i * n;
    for (let j = 0; j <= i; j++) {
      const lj = j * n;
      let sum = a[li + j] ?? 0;
      for (let k = 0; k < j; k++) sum -= (l[li + k] ?? 0) * (l[lj + k] ?? 0);
      if (i === j) {
        if (!(sum > 0)) throw new HeadstartError('HS_ENGINE_FAILED', `The shared covariance is not positive definite (pivot ${i} is ${sum}): raise the shrinkage.`);
        l[li + i] = Math.sqrt(sum);
      } else {
        l[li + j] = sum / (l[lj + j] ?? 1);
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
