/**
 * Share of rows whose most probable class (first on ties) is the row's label: `probs` holds `classes` values per row.
 * 0 for no rows.
 */
export function probabilityAccuracy(probs: Float32Array, labels: Int32Array, classes: number): number {
  let correct = 0;
  labels.forEach((label, r) => {
    let best = 0;
    for (let c = 1; c < classes; c++) if ((probs[r * classes + c] ?? 0) > (probs[r * classes + best] ?? 0)) best = c;
    if (best === label) correct++;
  });
  return labels.length > 0 ? correct / labels.length : 0;
}
