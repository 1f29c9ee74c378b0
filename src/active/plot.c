/* Learning-curve plot: ROC-AUC against labelled runs, mean line and min-max band per series,
 * drawn with cairo into a PNG. */
#include <cairo.h>
#include <math.h>
#include <stdio.h>

#include "wfad/active.h"

static const double palette[][3] = {
	{0.12, 0.47, 0.71}, {0.84, 0.15, 0.16}, {0.17, 0.63, 0.17},
	{0.58, 0.40, 0.74}, {1.00, 0.50, 0.05}, {0.55, 0.34, 0.29},
};
enum { PALETTE = sizeof(palette) / sizeof(palette[0]) };

struct frame {
	double left, top, width, height; /* plot area in pixels */
	double x0, x1, y0, y1;           /* data range */
};

static double px(const struct frame *f, double x)
{
	return f->left + (x - f->x0) / (f->x1 - f->x0) * f->width;
}

static double py(const struct frame *f, double y)
{
	return f->top + f->height - (y - f->y0) / (f->y1 - f->y0) * f->height;
}

/* A "nice" tick step giving about `want` ticks over span. */
static double tick_step(double span, int want)
{
	double raw = span / want, mag = pow(10.0, floor(log10(raw)));
	double r = raw / mag;
	return (r < 1.5 ? 1 : r < 3 ? 2 : r < 7 ? 5 : 10) * mag;
}

static void text_at(cairo_t *cr, double x, double y, const char *s, double ax, double ay)
{
	cairo_text_extents_t e;
	cairo_text_extents(cr, s, &e);
	cairo_move_to(cr, x - ax * e.width - e.x_bearing, y - ay * e.height - e.y_bearing);
	cairo_show_text(cr, s);
}

static void data_range(const struct wfad_active_series *s, size_t n, struct frame *f)
{
	f->x0 = INFINITY, f->x1 = -INFINITY, f->y0 = INFINITY, f->y1 = -INFINITY;
	for (size_t k = 0; k < n; k++) {
		for (size_t i = 0; i < s[k].n; i++) {
			double x = s[k].x[i], lo = s[k].lo[i], hi = s[k].hi[i];
			if (isfinite(x)) {
				f->x0 = fmin(f->x0, x);
				f->x1 = fmax(f->x1, x);
			}
			if (isfinite(lo))
				f->y0 = fmin(f->y0, lo);
			if (isfinite(hi))
				f->y1 = fmax(f->y1, hi);
		}
	}
	if (!isfinite(f->x0))
		f->x0 = 0, f->x1 = 1;
	if (!isfinite(f->y0))
		f->y0 = 0, f->y1 = 1;
	if (f->x1 <= f->x0)
		f->x1 = f->x0 + 1;
	double pad = 0.05 * (f->y1 - f->y0) + 0.01;
	f->y0 = fmax(0.0, f->y0 - pad);
	f->y1 = fmin(1.0, f->y1 + pad);
	if (f->y1 <= f->y0)
		f->y1 = f->y0 + 0.05;
}

static void draw_axes(cairo_t *cr, const struct frame *f, const char *title)
{
	char buf[32];
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_line_width(cr, 1.0);
	cairo_rectangle(cr, f->left, f->top, f->width, f->height);
	cairo_stroke(cr);
	cairo_set_font_size(cr, 12);
	double ys = tick_step(f->y1 - f->y0, 6);
	for (double y = ceil(f->y0 / ys) * ys; y <= f->y1 + 1e-9; y += ys) {
		cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
		cairo_move_to(cr, f->left, py(f, y));
		cairo_line_to(cr, f->left + f->width, py(f, y));
		cairo_stroke(cr);
		cairo_set_source_rgb(cr, 0, 0, 0);
		snprintf(buf, sizeof(buf), "%.2f", y);
		text_at(cr, f->left - 6, py(f, y), buf, 1.0, 0.5);
	}
	double xs = tick_step(f->x1 - f->x0, 8);
	if (xs < 1)
		xs = 1;
	for (double x = ceil(f->x0 / xs) * xs; x <= f->x1 + 1e-9; x += xs) {
		cairo_move_to(cr, px(f, x), f->top + f->height);
		cairo_line_to(cr, px(f, x), f->top + f->height + 4);
		cairo_stroke(cr);
		snprintf(buf, sizeof(buf), "%.0f", x);
		text_at(cr, px(f, x), f->top + f->height + 8, buf, 0.5, 0.0);
	}
	cairo_set_font_size(cr, 13);
	text_at(cr, f->left + f->width / 2, f->top + f->height + 30, "labelled runs", 0.5, 0.0);
	cairo_save(cr);
	cairo_translate(cr, 16, f->top + f->height / 2);
	cairo_rotate(cr, -M_PI / 2);
	text_at(cr, 0, 0, "ROC-AUC (test jobs)", 0.5, 0.5);
	cairo_restore(cr);
	if (title) {
		cairo_set_font_size(cr, 14);
		text_at(cr, f->left + f->width / 2, 12, title, 0.5, 0.0);
	}
}

static void draw_series(cairo_t *cr, const struct frame *f, const struct wfad_active_series *s,
			const double *rgb)
{
	/* Band: along hi, back along lo (points with NaN are skipped). */
	bool any = false;
	for (size_t i = 0; i < s->n; i++) {
		if (!isfinite(s->hi[i]))
			continue;
		if (!any)
			cairo_move_to(cr, px(f, s->x[i]), py(f, s->hi[i]));
		else
			cairo_line_to(cr, px(f, s->x[i]), py(f, s->hi[i]));
		any = true;
	}
	for (size_t i = s->n; i-- > 0;)
		if (isfinite(s->lo[i]))
			cairo_line_to(cr, px(f, s->x[i]), py(f, s->lo[i]));
	if (any) {
		cairo_close_path(cr);
		cairo_set_source_rgba(cr, rgb[0], rgb[1], rgb[2], 0.18);
		cairo_fill(cr);
	}
	cairo_new_path(cr);
	any = false;
	for (size_t i = 0; i < s->n; i++) {
		if (!isfinite(s->mean[i]))
			continue;
		if (!any)
			cairo_move_to(cr, px(f, s->x[i]), py(f, s->mean[i]));
		else
			cairo_line_to(cr, px(f, s->x[i]), py(f, s->mean[i]));
		any = true;
	}
	cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
	cairo_set_line_width(cr, 2.0);
	cairo_stroke(cr);
	for (size_t i = 0; i < s->n; i++) {
		if (!isfinite(s->mean[i]))
			continue;
		cairo_arc(cr, px(f, s->x[i]), py(f, s->mean[i]), 2.5, 0, 2 * M_PI);
		cairo_fill(cr);
	}
}

enum wfad_status wfad_active_plot_png(const struct wfad_active_series *s, size_t n_series,
				      const char *title, const char *path, int width, int height,
				      struct wfad_error *err)
{
	if (width < 200 || height < 150)
		return wfad_error_set(err, WFAD_EINVAL, path, 0, 0,
				      "plot of %dx%d pixels is too small (at least 200x150)", width,
				      height);
	cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
	cairo_t *cr = cairo_create(surf);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	struct frame f = {.left = 70, .top = 34, .width = width - 90, .height = height - 90};
	data_range(s, n_series, &f);
	draw_axes(cr, &f, title);
	cairo_save(cr);
	cairo_rectangle(cr, f.left, f.top, f.width, f.height);
	cairo_clip(cr);
	for (size_t k = 0; k < n_series; k++)
		draw_series(cr, &f, &s[k], palette[k % PALETTE]);
	cairo_restore(cr);
	/* Legend, bottom right inside the plot. */
	cairo_set_font_size(cr, 12);
	double lx = f.left + f.width - 170, ly = f.top + f.height - 10 - 18.0 * (double)n_series;
	cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
	cairo_rectangle(cr, lx - 8, ly - 6, 172, 18.0 * (double)n_series + 8);
	cairo_fill(cr);
	for (size_t k = 0; k < n_series; k++) {
		const double *rgb = palette[k % PALETTE];
		double y = ly + 18.0 * (double)k + 6;
		cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
		cairo_set_line_width(cr, 2.0);
		cairo_move_to(cr, lx, y);
		cairo_line_to(cr, lx + 22, y);
		cairo_stroke(cr);
		cairo_set_source_rgb(cr, 0, 0, 0);
		text_at(cr, lx + 28, y, s[k].name ? s[k].name : "?", 0.0, 0.5);
	}
	enum wfad_status st = WFAD_OK;
	cairo_surface_flush(surf);
	if (cairo_status(cr) != CAIRO_STATUS_SUCCESS ||
	    cairo_surface_write_to_png(surf, path) != CAIRO_STATUS_SUCCESS)
		st = wfad_error_set(err, WFAD_EIO, path, 0, 0, "cannot write the PNG plot");
	cairo_destroy(cr);
	cairo_surface_destroy(surf);
	return st;
}
