/* Fixed-size rasters of a run's Gantt encoding for models: one channel per segment kind and
 * one for incomplete jobs, pixel = share of its time interval covered, optionally one more
 * for CPU utilisation against its typical value (see render.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>

#include "wfad/render.h"

/* plane[n x n]: over the columns of row y, the pixel becomes scale x the coverage of
 * [t0, t1) where that is larger in magnitude than what it holds (scale 1: the maximum), or
 * with add, that is added to it. */
static void cover(float *restrict plane, size_t n, size_t y, double t0, double t1, double dt,
		  float scale, bool add)
{
	if (!(t1 > t0) || t1 <= 0 || t0 >= dt * (double)n)
		return;
	double a = t0 / dt, b = t1 / dt;
	size_t x0 = a > 0 ? (size_t)a : 0;
	size_t x1 = b < (double)n ? (size_t)ceil(b) : n;
	for (size_t x = x0; x < x1; x++) {
		double lo = a > (double)x ? a : (double)x;
		double hi = b < (double)(x + 1) ? b : (double)(x + 1);
		float v = scale * (float)(hi > lo ? hi - lo : 0);
		float *p = &plane[y * n + x];
		if (add)
			*p += v;
		else if (fabsf(v) > fabsf(*p))
			*p = v;
	}
}

/* A utilisation deviation (the job's log utilisation minus its typical value, divided by a
 * scale) clipped to +-WFAD_RASTER_UTIL_MAX; 0 when unknown. */
static float clip_utilisation(double u)
{
	if (isnan(u))
		return 0;
	return (float)(u > WFAD_RASTER_UTIL_MAX    ? WFAD_RASTER_UTIL_MAX
		       : u < -WFAD_RASTER_UTIL_MAX ? -WFAD_RASTER_UTIL_MAX
						   : u);
}

/* Paints job node of a run over rows [y0, y1) of out (see wfad_render_raster_ex); share is
 * 1 / the number of jobs sharing its row. */
static void paint_job(const struct wfad_job *job, uint32_t node, double t_min, size_t n, size_t y0,
		      size_t y1, double dt, const struct wfad_raster_options *opt, float share,
		      float *out)
{
	struct wfad_gantt_span sp[WFAD_SEG_COUNT];
	wfad_gantt_job_spans(job, t_min, sp);
	bool incomplete = wfad_gantt_job_incomplete(job);
	size_t nn = n * n;
	const struct wfad_gantt_span *rt = &sp[WFAD_SEG_RUNTIME];
	/* The job's deviation from its typical utilisation, unscaled and (util_scale) scaled. */
	double dev = opt->util && !isnan(rt->t0)
			     ? wfad_render_job_utilisation(job) - opt->util[node]
			     : NAN;
	float util = clip_utilisation(dev);
	float uz = opt->util_scale ? clip_utilisation(dev / opt->util_scale[node]) : 0;
	for (size_t y = y0; y < y1; y++) {
		for (int s = 0; s < WFAD_SEG_COUNT; s++)
			if (!isnan(sp[s].t0))
				cover(out + (size_t)s * nn, n, y, sp[s].t0, sp[s].t1, dt, 1, false);
		if (util != 0)
			cover(out + (size_t)WFAD_RASTER_CHANNELS * nn, n, y, rt->t0, rt->t1, dt,
			      opt->util_mean ? util * share : util, opt->util_mean);
		if (uz != 0)
			cover(out + (size_t)WFAD_RASTER_UTIL_CHANNELS * nn, n, y, rt->t0, rt->t1,
			      dt, opt->util_mean ? uz * share : uz, opt->util_mean);
		if (incomplete) {
			float *row = out + (size_t)WFAD_SEG_COUNT * nn + y * n;
			for (size_t x = 0; x < n; x++)
				row[x] = 1;
		}
	}
}

double wfad_render_job_utilisation(const struct wfad_job *j)
{
	double cpu = j->f[WFAD_F_CPU_TIME];
	double run = j->f[WFAD_F_EXECUTE_END] - j->f[WFAD_F_EXECUTE_START];
	if (isnan(cpu) || isnan(run))
		return NAN;
	return log((fmax(cpu, 0) + 1) / (fmax(run, 0) + 1));
}

size_t wfad_raster_channels(const struct wfad_raster_options *opt)
{
	return !opt->util        ? WFAD_RASTER_CHANNELS
	       : opt->util_scale ? WFAD_RASTER_UTIL_SCALED_CHANNELS
				 : WFAD_RASTER_UTIL_CHANNELS;
}

/* Rows [*y0, *y1) of the job at topological position k of m on n rows. */
static void job_rows(size_t k, size_t m, size_t n, size_t *y0, size_t *y1)
{
	*y0 = k * n / m;
	*y1 = (k + 1) * n / m;
	if (*y1 <= *y0)
		*y1 = *y0 + 1;
}

/* Paints the jobs at topological positions [k0, k1) over rows [r0, r1) only, in order. */
static void paint_jobs(const struct wfad_dataset *ds, size_t run, size_t k0, size_t k1, size_t r0,
		       size_t r1, double t_min, size_t n, double dt,
		       const struct wfad_raster_options *opt, float *out)
{
	size_t m = ds->dag.n_nodes;
	const struct wfad_job *jobs = ds->runs[run].jobs;
	for (size_t k = k0; k < k1; k++) {
		uint32_t node = ds->dag.topo ? ds->dag.topo[k] : (uint32_t)k;
		size_t y0, y1;
		job_rows(k, m, n, &y0, &y1);
		float share = 1;
		if (m > n) /* jobs [ceil(y0 m / n), ceil((y0 + 1) m / n)) share row y0 */
			share = 1.0f / (float)(((y0 + 1) * m + n - 1) / n - (y0 * m + n - 1) / n);
		y0 = y0 > r0 ? y0 : r0;
		y1 = y1 < r1 ? y1 : r1;
		if (y0 < y1 && (!opt->omit || node != opt->omit_node))
			paint_job(&jobs[node], node, t_min, n, y0, y1, dt, opt, share, out);
	}
}

void wfad_render_raster_ex(const struct wfad_dataset *ds, size_t run, size_t n,
			   const struct wfad_raster_options *opt, float *out)
{
	WFAD_ASSERT(ds && out && opt && run < ds->n_runs && n > 0 && opt->span > 0);
	size_t channels = wfad_raster_channels(opt), m = ds->dag.n_nodes;
	double t_min, t_max;
	bool known = m > 0 && wfad_gantt_run_bounds(ds, run, &t_min, &t_max);
	double dt = opt->span / (double)n;
	if (!opt->omit || !opt->base || !known) {
		memset(out, 0, channels * n * n * sizeof(float));
		if (known)
			paint_jobs(ds, run, 0, m, 0, n, t_min, n, dt, opt, out);
		return;
	}
	/* From the whole raster: clear the omitted job's rows and paint their other jobs. */
	memcpy(out, opt->base, channels * n * n * sizeof(float));
	size_t k = 0;
	while (k < m && (ds->dag.topo ? ds->dag.topo[k] : (uint32_t)k) != opt->omit_node)
		k++;
	if (k == m)
		return;
	size_t r0, r1, y0, y1, k0 = k, k1 = k + 1;
	job_rows(k, m, n, &r0, &r1);
	while (k0 > 0 && (job_rows(k0 - 1, m, n, &y0, &y1), y1 > r0))
		k0--;
	while (k1 < m && (job_rows(k1, m, n, &y0, &y1), y0 < r1))
		k1++;
	for (size_t c = 0; c < channels; c++)
		memset(out + (c * n + r0) * n, 0, (r1 - r0) * n * sizeof(float));
	paint_jobs(ds, run, k0, k1, r0, r1, t_min, n, dt, opt, out);
}

void wfad_render_raster_span(const struct wfad_dataset *ds, size_t run, size_t n, double span,
			     float *out)
{
	struct wfad_raster_options opt = {.span = span};
	wfad_render_raster_ex(ds, run, n, &opt, out);
}

void wfad_render_raster(const struct wfad_dataset *ds, size_t run, size_t n, float *out)
{
	double t_min = 0, t_max = 1;
	if (!wfad_gantt_run_bounds(ds, run, &t_min, &t_max) || !(t_max > t_min))
		t_max = t_min + 1;
	wfad_render_raster_span(ds, run, n, t_max - t_min, out);
}

enum wfad_status wfad_render_raster_png(const struct wfad_dataset *ds, size_t run, size_t n,
					const char *path, struct wfad_error *err)
{
	WFAD_ASSERT(n > 0 && n <= 16384);
	float *px = malloc((size_t)WFAD_RASTER_CHANNELS * n * n * sizeof(float));
	if (!px)
		return wfad_error_set(err, WFAD_ENOMEM, path, 0, 0, "out of memory");
	FILE *probe = fopen(path, "wb");
	if (!probe) {
		free(px);
		return wfad_error_set(err, WFAD_EIO, path, 0, 0, "cannot write: %s",
				      strerror(errno));
	}
	fclose(probe);
	wfad_render_raster(ds, run, n, px);
	cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)n, (int)n);
	cairo_surface_flush(surf);
	unsigned char *data = cairo_image_surface_get_data(surf);
	int stride = cairo_image_surface_get_stride(surf);
	size_t nn = n * n;
	for (size_t y = 0; data && y < n; y++)
		for (size_t x = 0; x < n; x++) {
			double c[3] = {1, 1, 1};
			bool any = false;
			for (int s = 0; s < WFAD_SEG_COUNT; s++) {
				double a = px[(size_t)s * nn + y * n + x], rgb[3];
				if (!(a > 0))
					continue;
				any = true;
				wfad_gantt_segment_rgb((enum wfad_gantt_segment)s, rgb);
				for (int q = 0; q < 3; q++)
					c[q] = c[q] * (1 - a) + rgb[q] * a;
			}
			if (!any && px[(size_t)WFAD_SEG_COUNT * nn + y * n + x] > 0)
				c[0] = c[1] = c[2] = 0.85;
			uint32_t v = (uint32_t)lround(c[0] * 255) << 16 |
				     (uint32_t)lround(c[1] * 255) << 8 |
				     (uint32_t)lround(c[2] * 255);
			memcpy(data + y * (size_t)stride + x * 4, &v, 4);
		}
	cairo_surface_mark_dirty(surf);
	cairo_status_t cs = cairo_surface_write_to_png(surf, path);
	cairo_surface_destroy(surf);
	free(px);
	if (cs != CAIRO_STATUS_SUCCESS)
		return wfad_error_set(err, WFAD_EIO, path, 0, 0, "cannot write: %s",
				      cairo_status_to_string(cs));
	return WFAD_OK;
}
