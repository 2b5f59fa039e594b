/**
 * The little dense linear algebra the estimators need, in float64: a symmetric eigendecomposition (Householder
 * reduction to tridiagonal form, then implicit QL with Wilkinson shifts) and, built on it through the smaller of its
 * two Gram matrices, the singular values of a feature matrix with targets projected on its singular basis.
 * Matrices are row-major.
 */

/** Eigenvalues in descending order; row i of `vectors` (n values) is the unit eigenvector of `values[i]`. */
export interface SymmetricEigen {
  values: Float64Array;
  vectors: Float64Array;
}

const QL_MAX_ITERATIONS = 60;

/**
 * Reduces the symmetric n x n matrix `a` (overwritten) to tridiagonal form T = Q^T A Q with Householder reflections,
 * and replaces the n x m matrix `basis` by Q^T basis. Returns the diagonal and the sub-diagonal (`off[i]` couples
 * i and i + 1).
 */
function tridiagonalize(a: Float64Array, n: number, basis: Float64Array, m: number): { diag: Float64Array; off: Float64Array } {
  const v = new Float64Array(n);
  const p = new Float64Array(n);
  const column = new Float64Array(m);
  for (let k = 0; k < n - 2; k++) {
    // Reflect x = A[k+1.., k] onto a multiple of the first unit vector.
    let norm2 = 0;
    for (let i = k + 1; i < n; i++) norm2 += a[i * n + k]! ** 2;
    const x0 = a[(k + 1) * n + k]!;
    const norm = Math.sqrt(norm2);
    if (norm === 0 || norm2 - x0 * x0 <= 1e-300) continue; // already in tridiagonal form in this column
    const alpha = x0 > 0 ? -norm : norm;
    let vNorm2 = 0;
    for (let i = k + 1; i < n; i++) {
      v[i] = a[i * n + k]! - (i === k + 1 ? alpha : 0);
      vNorm2 += v[i]! ** 2;
    }
    const vNorm = Math.sqrt(vNorm2);
    for (let i = k + 1; i < n; i++) v[i] = v[i]! / vNorm;
    // H A H = A - 2 v w^T - 2 w v^T with p = A v and w = p - (v^T p) v, on the trailing block.
    let vp = 0;
    for (let i = k + 1; i < n; i++) {
      let s = 0;
      const row = i * n;
      for (let j = k + 1; j < n; j++) s += a[row + j]! * v[j]!;
      p[i] = s;
      vp += v[i]! * s;
    }
    for (let i = k + 1; i < n; i++) p[i] = p[i]! - vp * v[i]!;
    for (let i = k + 1; i < n; i++) {
      const row = i * n;
      const vi = v[i]!;
      const wi = p[i]!;
      for (let j = k + 1; j < n; j++) a[row + j] = a[row + j]! - 2 * (vi * p[j]! + wi * v[j]!);
    }
    for (let i = k + 2; i < n; i++) {
      a[i * n + k] = 0;
      a[k * n + i] = 0;
    }
    a[(k + 1) * n + k] = alpha;
    a[k * n + k + 1] = alpha;
    // basis <- H basis: only rows k+1.. change.
    column.fill(0);
    for (let i = k + 1; i < n; i++) {
      const vi = v[i]!;
      const row = i * m;
      for (let j = 0; j < m; j++) column[j] = column[j]! + vi * basis[row + j]!;
    }
    for (let i = k + 1; i < n; i++) {
      const vi2 = 2 * v[i]!;
      const row = i * m;
      for (let j = 0; j < m; j++) basis[row + j] = basis[row + j]! - vi2 * column[j]!;
    }
  }
  const diag = new Float64Array(n);
  const off = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    diag[i] = a[i * n + i]!;
    if (i + 1 < n) off[i] = a[(i + 1) * n + i]!;
  }
  return { diag, off };
}

/** Rotates rows i and i + 1 of the matrix `x` (rows of `width` values) by (c, s). */
function rotateRows(x: Float64Array, width: number, i: number, c: number, s: number): void {
  const r0 = i * width;
  const r1 = r0 + width;
  for (let k = 0; k < width; k++) {
    const lower = x[r1 + k]!;
    const upper = x[r0 + k]!;
    x[r1 + k] = s * upper + c * lower;
    x[r0 + k] = c * upper - s * lower;
  }
}

/**
 * Diagonalises the symmetric tridiagonal (diag, off) in place with implicit QL steps, applying every rotation to
 * the rows of `basis` (n rows of `width` values): afterwards row i of `basis` is W^T basis for the eigenvector matrix W.
 */
function diagonalizeTridiagonal(diag: Float64Array, off: Float64Array, basis: Float64Array, n: number, width: number): void {
  for (let l = 0; l < n; l++) {
    for (let iteration = 0; ; iteration++) {
      // The first negligible off-diagonal at or after l splits off a block that is already diagonal at l.
      let m = l;
      for (; m < n - 1; m++) {
        const scale = Math.abs(diag[m]!) + Math.abs(diag[m + 1]!);
        if (Math.abs(off[m]!) <= Number.EPSILON * scale) break;
      }
      if (m === l) break;
      if (iteration >= QL_MAX_ITERATIONS) throw new Error(`Symmetric eigensolver did not converge at index ${l} after ${QL_MAX_ITERATIONS} iterations.`);
      // Wilkinson shift from the leading 2 x 2 block.
      let g = (diag[l + 1]! - diag[l]!) / (2 * off[l]!);
      let r = Math.hypot(g, 1);
      g = diag[m]! - diag[l]! + off[l]! / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      let deflated = false;
      for (; i >= l; i--) {
        const f = s * off[i]!;
        const b = c * off[i]!;
        r = Math.hypot(f, g);
        off[i + 1] = r;
        if (r === 0) {
          // Underflow: the block splits here; finish this sweep and restart the search.
          diag[i + 1] = diag[i + 1]! - p;
          off[m] = 0;
          deflated = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = diag[i + 1]! - p;
        r = (diag[i]! - g) * s + 2 * c * b;
        p = s * r;
        diag[i + 1] = g + p;
        g = c * r - b;
        rotateRows(basis, width, i, c, s);
      }
      if (deflated) continue;
      diag[l] = diag[l]! - p;
      off[l] = g;
      off[m] = 0;
    }
  }
}

/**
 * Eigenvalues of a symmetric n x n matrix A (row-major; symmetry assumed, not definiteness), descending, and the
 * projections V^T B of the columns of the n x m matrix `basis` onto its unit eigenvectors: row i of `projections`
 * holds v_i^T b_j for every column j. Only the m columns are carried through the rotations, so projecting a few
 * vectors costs far less than forming all eigenvectors. Neither input is modified.
 */
export function symmetricEigenProjections(matrix: Float64Array, n: number, basis: Float64Array, m: number): { values: Float64Array; projections: Float64Array } {
  if (matrix.length !== n * n) throw new Error(`Expected an ${n} x ${n} matrix (${n * n} values); received ${matrix.length} values.`);
  if (basis.length !== n * m) throw new Error(`Expected an ${n} x ${m} basis (${n * m} values); received ${basis.length} values.`);
  const a = Float64Array.from(matrix);
  const b = Float64Array.from(basis);
  const { diag, off } = tridiagonalize(a, n, b, m);
  diagonalizeTridiagonal(diag, off, b, n, m);
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => diag[y]! - diag[x]!);
  const values = Float64Array.from(order, (i) => diag[i]!);
  const projections = new Float64Array(n * m);
  order.forEach((from, to) => projections.set(b.subarray(from * m, (from + 1) * m), to * m));
  return { values, projections };
}

/** Eigendecomposition of a symmetric n x n matrix: row i of `vectors` is the unit eigenvector of `values[i]`. */
export function symmetricEigen(matrix: Float64Array, n: number): SymmetricEigen {
  const identity = new Float64Array(n * n);
  for (let i = 0; i < n; i++) identity[i * n + i] = 1;
  // Projecting the identity's columns gives V^T, whose rows are the eigenvectors.
  const { values, projections } = symmetricEigenProjections(matrix, n, identity, n);
  return { values, vectors: projections };
}

/** Singular values of a feature matrix F (n x d) and where some target vectors lie in its left singular basis. */
export interface SingularProjections {
  /** Squared singular values of F (eigenvalues of F^T F), descending, all above the rank cut-off. */
  squaredSingularValues: Float64Array;
  /** projections[j][i] = u_i^T y_j for target j and left singular vector u_i (F v_i = s_i u_i). */
  projections: Float64Array[];
  rank: number;
}

/**
 * Singular values below this fraction of the largest, squared, count as zero: float32 features carry about 7
 * digits, so anything smaller is rounding noise in the Gram matrix.
 */
const RANK_TOLERANCE = 1e-10;

/**
 * The thin SVD of F as far as the estimators need it: the squared singular values, and u_i^T y for each target y
 * (an n-vector). Goes through the smaller Gram matrix: F F^T (n x n) when n <= d, whose eigenvectors are the u_i;
 * else F^T F (d x d), with u_i^T y = v_i^T (F^T y) / s_i. The cost is about min(n, d)^2 max(n, d) + min(n, d)^3.
 */
export function singularProjections(values: ArrayLike<number>, n: number, d: number, targets: readonly Float64Array[]): SingularProjections {
  if (values.length !== n * d) throw new Error(`Expected ${n} x ${d} = ${n * d} values; received ${values.length}.`);
  const f = Float64Array.from(values);
  const m = targets.length;
  const wide = n <= d;
  const small = wide ? n : d;
  const gram = new Float64Array(small * small);
  // The targets as the columns of a small x m matrix: y_j itself, or F^T y_j.
  const basis = new Float64Array(small * m);
  if (wide) {
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += f[i * d + k]! * f[j * d + k]!;
        gram[i * n + j] = s;
        gram[j * n + i] = s;
      }
    }
    targets.forEach((y, j) => y.forEach((v, i) => (basis[i * m + j] = v)));
  } else {
    for (let r = 0; r < n; r++) {
      const row = r * d;
      for (let i = 0; i < d; i++) {
        const fi = f[row + i]!;
        if (fi === 0) continue;
        for (let j = i; j < d; j++) gram[i * d + j] = gram[i * d + j]! + fi * f[row + j]!;
      }
      targets.forEach((y, j) => {
        const yr = y[r]!;
        if (yr !== 0) for (let i = 0; i < d; i++) basis[i * m + j] = basis[i * m + j]! + f[row + i]! * yr;
      });
    }
    for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) gram[i * d + j] = gram[j * d + i]!;
  }
  const { values: eigenvalues, projections: rows } = symmetricEigenProjections(gram, small, basis, m);
  const largest = Math.max(0, eigenvalues[0] ?? 0);
  let rank = 0;
  while (rank < small && eigenvalues[rank]! > largest * RANK_TOLERANCE && eigenvalues[rank]! > 0) rank++;
  const projections = targets.map((_, j) =>
    Float64Array.from({ length: rank }, (__, i) => rows[i * m + j]! / (wide ? 1 : Math.sqrt(eigenvalues[i]!))),
  );
  return { squaredSingularValues: eigenvalues.slice(0, rank), projections, rank };
}
