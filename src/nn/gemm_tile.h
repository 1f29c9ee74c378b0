/* Internal to nn/gemm.c: the kernels that depend on the vector width, included once per
 * width with TILE_W (4, 8 or 16 floats per vector; the type vec_<TILE_W> must exist). Each
 * instantiation gets a _<TILE_W> suffix: micro_kernel_16, gemm_any_16, sum_rows_16, ... */
#define TILE_CAT2(name, w) name##_##w
#define TILE_CAT(name, w) TILE_CAT2(name, w)
#define TILE(name) TILE_CAT(name, TILE_W)
#define TILE_VEC TILE_CAT(vec, TILE_W)
#define TILE_NV (NR / TILE_W) /* vectors per tile row */

/* c tile [mr x nr] (strides c_rs, c_cs) += A tile [mr_max x kc] * bp[kc x NR], where A
 * element (r, p) is ap[r * a_rs + p * a_ks]: straight from op(A) for whole tiles, from a
 * zero-padded packed copy for the last partial one. mr_max is a compile-time constant after
 * inlining, so the tile lives in registers. */
INLINE void TILE(micro_kernel)(size_t mr_max, size_t kc, const float *restrict ap, size_t a_rs,
			       size_t a_ks, const float *restrict bp, float *restrict c,
			       size_t c_rs, size_t c_cs, size_t mr, size_t nr)
{
	TILE_VEC acc[MR_MAX][TILE_NV];
	bool full = mr == mr_max && nr == NR && c_cs == 1;
	if (full) {
#pragma GCC unroll 8
		for (size_t r = 0; r < mr_max; r++)
			memcpy(acc[r], c + r * c_rs, sizeof(acc[r]));
	} else {
		float t[MR_MAX][NR] = {{0}};
		for (size_t r = 0; r < mr; r++)
			for (size_t q = 0; q < nr; q++)
				t[r][q] = c[r * c_rs + q * c_cs];
		memcpy(acc, t, sizeof(t));
	}
	for (size_t p = 0; p < kc; p++) {
		TILE_VEC bv[TILE_NV];
		memcpy(bv, bp + p * NR, sizeof(bv));
#pragma GCC unroll 8
		for (size_t r = 0; r < mr_max; r++) {
			float a = ap[r * a_rs + p * a_ks];
#pragma GCC unroll 4
			for (size_t v = 0; v < TILE_NV; v++)
				acc[r][v] += a * bv[v];
		}
	}
	if (full) {
#pragma GCC unroll 8
		for (size_t r = 0; r < mr_max; r++)
			memcpy(c + r * c_rs, acc[r], sizeof(acc[r]));
	} else {
		float t[MR_MAX][NR];
		memcpy(t, acc, sizeof(t));
		for (size_t r = 0; r < mr; r++)
			for (size_t q = 0; q < nr; q++)
				c[r * c_rs + q * c_cs] = t[r][q];
	}
}

/* The whole blocked product for one tile height. */
INLINE void TILE(gemm_blocked)(size_t mr_max, const struct gemm_args *g)
{
	_Alignas(64) float bp[KC * NC];
	_Alignas(64) float ap[KC * MR_MAX];
	for (size_t j0 = 0; j0 < g->n; j0 += NC) {
		size_t nc = g->n - j0 < NC ? g->n - j0 : NC;
		for (size_t p0 = 0; p0 < g->k; p0 += KC) {
			size_t kc = g->k - p0 < KC ? g->k - p0 : KC;
			pack_b(g, p0, kc, j0, nc, bp);
			for (size_t i0 = 0; i0 < g->m; i0 += mr_max) {
				size_t mr = g->m - i0 < mr_max ? g->m - i0 : mr_max;
				/* Whole tiles read op(A) in place (packing it cost as much as the
				 * arithmetic for narrow C); the last partial one is zero-padded. */
				const float *at = g->ta ? g->a + p0 * g->lda + i0
							: g->a + i0 * g->lda + p0;
				size_t a_rs = g->ta ? 1 : g->lda, a_ks = g->ta ? g->lda : 1;
				if (mr < mr_max) {
					pack_a(g, mr_max, i0, mr, p0, kc, ap);
					at = ap;
					a_rs = 1;
					a_ks = mr_max;
				}
				for (size_t jp = 0; jp < nc; jp += NR) {
					size_t nr = nc - jp < NR ? nc - jp : NR;
					float *ct = g->c + i0 * g->c_rs + (j0 + jp) * g->c_cs;
					TILE(micro_kernel)(mr_max, kc, at, a_rs, a_ks, bp + jp * kc,
							   ct, g->c_rs, g->c_cs, mr, nr);
				}
			}
		}
	}
}

/* Narrow C with row-major A: each element is a dot product of a row of A and a column of
 * op(B), the column packed once per K-block. Lanes are summed in a fixed pairwise order, so
 * the result does not depend on m or on which rows share a call. */
INLINE void TILE(gemm_dot)(const struct gemm_args *g)
{
	_Alignas(64) float col[KC];
	for (size_t j = 0; j < g->n; j++) {
		for (size_t p0 = 0; p0 < g->k; p0 += KC) {
			size_t kc = g->k - p0 < KC ? g->k - p0 : KC;
			for (size_t p = 0; p < kc; p++)
				col[p] = g->tb ? g->b[j * g->ldb + p0 + p] : g->b[(p0 + p) * g->ldb + j];
			size_t kv = kc / TILE_W * TILE_W;
			for (size_t i = 0; i < g->m; i++) {
				const float *arow = g->a + i * g->lda + p0;
				TILE_VEC acc = {0};
				for (size_t p = 0; p < kv; p += TILE_W) {
					TILE_VEC av, bv;
					memcpy(&av, arow + p, sizeof(av));
					memcpy(&bv, col + p, sizeof(bv));
					acc += av * bv;
				}
				float lane[TILE_W];
				memcpy(lane, &acc, sizeof(lane));
				for (size_t w = TILE_W / 2; w > 0; w /= 2)
					for (size_t q = 0; q < w; q++)
						lane[q] += lane[q + w];
				float sum = lane[0];
				for (size_t p = kv; p < kc; p++)
					sum += arow[p] * col[p];
				g->c[i * g->c_rs + j * g->c_cs] += sum;
			}
		}
	}
}

/* The product for one tile height: dot products for narrow C, else the blocked kernel. */
INLINE void TILE(gemm_any)(size_t mr_max, const struct gemm_args *g)
{
	if (g->n < DOT_MAX_N && !g->ta)
		TILE(gemm_dot)(g);
	else
		TILE(gemm_blocked)(mr_max, g);
}

/* out[cols] += the sums over the n rows of x[n x cols], each in row order: additions only,
 * so every width gives the same bits. Four vectors of columns at a time, so four chains of
 * additions run side by side; the last columns row by row for the same reason. */
INLINE void TILE(sum_rows)(size_t n, size_t cols, const float *restrict x, float *restrict out)
{
	size_t j = 0;
	for (; j + 4 * TILE_W <= cols; j += 4 * TILE_W) {
		TILE_VEC acc[4], row[4];
		memcpy(acc, out + j, sizeof(acc));
		for (size_t i = 0; i < n; i++) {
			memcpy(row, x + i * cols + j, sizeof(row));
#pragma GCC unroll 4
			for (size_t q = 0; q < 4; q++)
				acc[q] += row[q];
		}
		memcpy(out + j, acc, sizeof(acc));
	}
	if (j < cols) {
		float t[4 * TILE_W];
		size_t rem = cols - j;
		memcpy(t, out + j, rem * sizeof(float));
		for (size_t i = 0; i < n; i++)
			for (size_t q = 0; q < rem; q++)
				t[q] += x[i * cols + j + q];
		memcpy(out + j, t, rem * sizeof(float));
	}
}

#undef TILE_NV
#undef TILE_VEC
#undef TILE
#undef TILE_CAT
#undef TILE_CAT2
