/* Dense matrix products C += op(A) op(B): a naive reference and a cache-blocked kernel with
 * packed panels and a register-tiled micro-kernel, dispatched on the CPU's vector unit; and
 * column sums (the product with a ones vector, for bias gradients). */
#include <stdatomic.h>
#include <string.h>

#include "wfad/nn.h"

/* C11 mode turns floating-point contraction off; the AVX2 and AVX-512 builds of the
 * micro-kernel want fused multiply-adds (one rounding instead of two, twice the throughput).
 * This changes rounding only: NaN and Inf behave as without it, unlike -ffast-math. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=fast")
#endif

void wfad_nn_gemm_ref(bool trans_a, bool trans_b, size_t m, size_t n, size_t k,
		      const float *restrict a, size_t lda, const float *restrict b, size_t ldb,
		      float *restrict c, size_t ldc)
{
	/* a: [m x k] or [k x m]; b: [k x n] or [n x k]; c: [m x n] */
	for (size_t i = 0; i < m; i++)
		for (size_t j = 0; j < n; j++) {
			double s = c[i * ldc + j];
			for (size_t p = 0; p < k; p++) {
				float av = trans_a ? a[p * lda + i] : a[i * lda + p];
				float bv = trans_b ? b[j * ldb + p] : b[p * ldb + j];
				s += (double)av * bv;
			}
			c[i * ldc + j] = (float)s;
		}
}

/* Blocking: a K-block of KC rows of op(B) and NC of its columns is packed into NR-wide column
 * panels (32 KiB on the stack, L1-sized); the micro-kernel keeps an MR x NR tile of C in
 * vector registers and streams an MR-row slice of op(A) (read in place, broadcast element by
 * element) against one panel. NR = 16 floats is one AVX-512 register, two AVX2 or four SSE
 * registers (gemm_tile.h is instantiated per width: GCC spills vectors wider than the
 * target's); MR is chosen per instruction set so the tile fits the register file. */
enum { NR = 16, MR_MAX = 8, KC = 128, NC = 64 };

#define INLINE static inline __attribute__((always_inline))

/* Problem description after the optional C^T = op(B)^T op(A)^T swap: C element (i, j) lives
 * at c[i * c_rs + j * c_cs]. */
struct gemm_args {
	bool ta, tb;
	size_t m, n, k;
	const float *a, *b;
	size_t lda, ldb;
	float *c;
	size_t c_rs, c_cs;
};

/* bp[panels][kc][NR] = op(B)[p0 .. p0+kc) x [j0 .. j0+nc), zero-padded to whole panels. */
INLINE void pack_b(const struct gemm_args *g, size_t p0, size_t kc, size_t j0, size_t nc,
		   float *restrict bp)
{
	for (size_t jp = 0; jp < nc; jp += NR) {
		size_t nr = nc - jp < NR ? nc - jp : NR;
		float *restrict dst = bp + jp * kc;
		for (size_t p = 0; p < kc; p++) {
			float *restrict row = dst + p * NR;
			const float *src = g->b + (p0 + p) * g->ldb + j0 + jp;
			if (g->tb) {
				for (size_t q = 0; q < nr; q++)
					row[q] = g->b[(j0 + jp + q) * g->ldb + p0 + p];
			} else if (nr == NR) {
				memcpy(row, src,
				       NR * sizeof(float)); /* constant size: vector moves */
				continue;
			} else {
				memcpy(row, src, nr * sizeof(float));
			}
			for (size_t q = nr; q < NR; q++)
				row[q] = 0.0f;
		}
	}
}

/* ap[kc][mr_max] = op(A)[i0 .. i0+mr) x [p0 .. p0+kc), rows interleaved, zero-padded. */
INLINE void pack_a(const struct gemm_args *g, size_t mr_max, size_t i0, size_t mr, size_t p0,
		   size_t kc, float *restrict ap)
{
	for (size_t p = 0; p < kc; p++) {
		float *restrict dst = ap + p * mr_max;
		for (size_t r = 0; r < mr; r++)
			dst[r] = g->ta ? g->a[(p0 + p) * g->lda + i0 + r]
				       : g->a[(i0 + r) * g->lda + p0 + p];
		for (size_t r = mr; r < mr_max; r++)
			dst[r] = 0.0f;
	}
}

/* Narrow C with row-major A (an output layer of width 1) takes dot products (gemm_tile.h);
 * measured against the register tiles, which pad C to 16 columns: 4x faster at n = 1, break
 * even near n = 4, 2.5x slower at n = 11. */
enum { DOT_MAX_N = 4 };

/* The width-specific kernels, once per vector width: TILE_W floats per vector. */
typedef float vec_4 __attribute__((vector_size(4 * sizeof(float))));
typedef float vec_8 __attribute__((vector_size(8 * sizeof(float))));
typedef float vec_16 __attribute__((vector_size(16 * sizeof(float))));
#define TILE_W 4
#include "gemm_tile.h"
#undef TILE_W
#define TILE_W 8
#include "gemm_tile.h"
#undef TILE_W
#define TILE_W 16
#include "gemm_tile.h"
#undef TILE_W

static void gemm_generic(const struct gemm_args *g)
{
	gemm_any_4(2, g); /* 2 x 4 of the 16 SSE registers */
}

#if defined(__x86_64__) && defined(__GNUC__)
#define WFAD_GEMM_DISPATCH 1
__attribute__((target("avx2,fma"))) static void gemm_avx2(const struct gemm_args *g)
{
	gemm_any_8(6, g); /* 6 x 2 of the 16 ymm registers */
}

__attribute__((target("avx512f,fma"))) static void gemm_avx512(const struct gemm_args *g)
{
	gemm_any_16(8, g); /* 8 of the 32 zmm registers */
}

__attribute__((target("avx2"))) static void
sum_rows_avx2(size_t n, size_t cols, const float *restrict x, float *restrict out)
{
	sum_rows_8(n, cols, x, out);
}

__attribute__((target("avx512f"))) static void
sum_rows_avx512(size_t n, size_t cols, const float *restrict x, float *restrict out)
{
	sum_rows_16(n, cols, x, out);
}
#endif

static _Atomic int isa_cap = WFAD_NN_ISA_AVX512;

/* The instruction set the kernels use now: the best the CPU has, within the cap. */
static int cpu_level(void)
{
	int level = WFAD_NN_ISA_BASELINE;
#ifdef WFAD_GEMM_DISPATCH
	__builtin_cpu_init(); /* idempotent; makes the checks safe even before constructors ran */
	if (__builtin_cpu_supports("avx512f"))
		level = WFAD_NN_ISA_AVX512;
	else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		level = WFAD_NN_ISA_AVX2;
#endif
	int cap = atomic_load_explicit(&isa_cap, memory_order_relaxed);
	return level < cap ? level : cap;
}

enum wfad_nn_isa wfad_nn_isa_now(void)
{
	return (enum wfad_nn_isa)cpu_level();
}

enum wfad_nn_isa wfad_nn_set_isa_cap(enum wfad_nn_isa cap)
{
	atomic_store_explicit(&isa_cap, (int)cap, memory_order_relaxed);
	return (enum wfad_nn_isa)cpu_level();
}

void wfad_nn_sum_rows(size_t n, size_t cols, const float *restrict x, float *restrict out)
{
	/* x: [n x cols], out: [cols]; additions only, so every build gives the same bits */
#ifdef WFAD_GEMM_DISPATCH
	int level = cpu_level();
	if (level == WFAD_NN_ISA_AVX512) {
		sum_rows_avx512(n, cols, x, out);
		return;
	}
	if (level == WFAD_NN_ISA_AVX2) {
		sum_rows_avx2(n, cols, x, out);
		return;
	}
#endif
	sum_rows_4(n, cols, x, out);
}

void wfad_nn_gemm(bool trans_a, bool trans_b, size_t m, size_t n, size_t k, const float *restrict a,
		  size_t lda, const float *restrict b, size_t ldb, float *restrict c, size_t ldc)
{
	/* a: [m x k] or [k x m]; b: [k x n] or [n x k]; c: [m x n] */
	if (m == 0 || n == 0 || k == 0)
		return;
	struct gemm_args g = {trans_a, trans_b, m, n, k, a, b, lda, ldb, c, ldc, 1};
	if (n < NR && trans_a) {
		/* Narrow C from A^T (the weight gradient of a width-1 layer): vectorise along C's
		 * rows instead, as C^T = op(B)^T A, whose panels pack without transposing. The
		 * choice depends on n and the layouts only, never on m, so a row's result does not
		 * depend on how many rows share the call. */
		g = (struct gemm_args){!trans_b, false, n, m, k, b, a, ldb, lda, c, 1, ldc};
	}
#ifdef WFAD_GEMM_DISPATCH
	int level = cpu_level();
	if (level == WFAD_NN_ISA_AVX512) {
		gemm_avx512(&g);
		return;
	}
	if (level == WFAD_NN_ISA_AVX2) {
		gemm_avx2(&g);
		return;
	}
#endif
	gemm_generic(&g);
}
