import { normalizedRows } from '../heads/index.js';

/**
 * Herding (Welling 2009, as iCaRL selects its exemplars): picks `count` rows one at a time so that the mean of the
 * picked unit-length rows stays closest to the mean of all of them. Returns row indices in pick order.
 */
export function herdingSelection(values: Float32Array, dim: number, count: number): number[] {
  const n = values.length / dim;
  if (count >= n) return Array.from({ length: n }, (_, i) => i);
  const unit = normalizedRows(values, dim);
  const mean = new Float64Array(dim);
  for (let r = 0; r < n; r++) for (let k = 0; k < dim; k++) mean[k] = (mean[k] ?? 0) + (unit[r * dim + k] ?? 0) / n;
  const picked: number[] = [];
  const taken = new Uint8Array(n);
  const sum = new Float64Array(dim);
  for (let step = 1; step <= count; step++) {
    let best = -1;
    let bestDistance = Infinity;
    for (let r = 0; r < n; r++) {
      if (taken[r]) continue;
      let distance = 0;
      for (let k = 0; k < dim; k++) distance += ((mean[k] ?? 0) - ((sum[k] ?? 0) + (unit[r * dim + k] ?? 0)) / step) ** 2;
      if (distance < bestDistance) {
        bestDistance = distance;
        best = r;
      }
    }
    taken[best] = 1;
    picked.push(best);
    for (let k = 0; k < dim; k++) sum[k] = (sum[k] ?? 0) + (unit[best * dim + k] ?? 0);
  }
  return picked;
}
