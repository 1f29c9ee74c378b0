/* Gantt chart of one run drawn with cairo: one bar per job, stacked segments in Okabe-Ito
 * colours, a time axis with nice ticks in s/min/h, a legend, flags and incomplete-job marks. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo.h>

#include "wfad/render.h"

/* Okabe & Ito (2008) colour-blind-safe palette, one colour per segment kind. */
static const double seg_rgb[WFAD_SEG_COUNT][3] = {
	{0x56 / 255.0, 0xB4 / 255.0, 0xE9 / 255.0}, /* wms: sky blue */
	{0xCC / 255.0, 0x79 / 255.0, 0xA7 / 255.0}, /* pre-script: reddish purple */
	{0xE6 / 255.0, 0x9F / 255.0, 0x00 / 255.0}, /* queue: orange */
	{0x00 / 255.0, 0x72 / 255.0, 0xB2 / 255.0}, /* runtime: blue */
	{0x00 / 255.0, 0x9E / 255.0, 0x73 / 255.0}, /* stage-in: bluish green */
	{0xF0 / 255.0, 0xE4 / 255.0, 0x42 / 255.0}, /* stage-out: yellow */
	{0x99 / 255.0, 0x99 / 255.0, 0x99 / 255.0}, /* post-script: grey */
};
void wfad_gantt_segment_rgb(enum wfad_gantt_segment s, double rgb[3])
{
	WFAD_ASSERT((unsigned)s < WFAD_SEG_COUNT);
	memcpy(rgb, seg_rgb[s], 3 * sizeof(double));
}

static const double flag_rgb[3] = {0xD5 / 255.0, 0x5E / 255.0, 0x00 / 255.0}; /* vermillion */

enum { MAX_TICKS = 64 };

struct layout {
	double width, height;
	double left, right, top, plot_h; /* plot area: x in [left, width - right] */
	double bar_h;                    /* row pitch */
	double span;                     /* seconds on the axis */
	size_t label_every;              /* job names on every n-th row (0 = none) */
	double font;
};

static double x_of(const struct layout *L, double t)
{
	return L->left + (L->width - L->left - L->right) * (t / L->span);
}

/* Tick step in seconds and the unit for the axis: about 8 ticks at 1, 2, 5 x 10^k units. */
static double nice_step(double span, double *unit, const char **unit_name)
{
	if (span < 180) {
		*unit = 1;
		*unit_name = "s";
	} else if (span < 3 * 3600) {
		*unit = 60;
		*unit_name = "min";
	} else {
		*unit = 3600;
		*unit_name = "h";
	}
	double raw = span / *unit / 8;
	double mag = pow(10, floor(log10(raw)));
	double r = raw / mag;
	double step = r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10;
	return step * mag * *unit;
}

static void set_rgb(cairo_t *cr, const double *c)
{
	cairo_set_source_rgb(cr, c[0], c[1], c[2]);
}

static void draw_text(cairo_t *cr, double x, double y, const char *s, double align)
{
	cairo_text_extents_t te;
	cairo_text_extents(cr, s, &te);
	cairo_move_to(cr, x - align * te.x_advance, y);
	cairo_show_text(cr, s);
}

/* Draws s from (x, y) in lines of at most max_w, broken at spaces; at most max_lines, the last
 * ending in "..." when the text does not fit. */
static void draw_wrapped(cairo_t *cr, double x, double y, double max_w, double pitch, int max_lines,
			 const char *s)
{
	char line[1024];
	for (int k = 0; k < max_lines && *s; k++) {
		size_t best = 0, len = strlen(s);
		for (size_t i = 1; i <= len && i < sizeof(line) - 4; i++) {
			if (i < len && s[i] != ' ')
				continue;
			memcpy(line, s, i);
			line[i] = '\0';
			cairo_text_extents_t te;
			cairo_text_extents(cr, line, &te);
			if (te.x_advance > max_w && best)
				break;
			best = i;
		}
		if (!best)
			best = len < sizeof(line) - 4 ? len : sizeof(line) - 4;
		memcpy(line, s, best);
		line[best] = '\0';
		if (k == max_lines - 1 && best < len)
			memcpy(line + (best > 3 ? best - 3 : best), "...", 4);
		cairo_move_to(cr, x, y + k * pitch);
		cairo_show_text(cr, line);
		s += best;
		while (*s == ' ')
			s++;
	}
}

/* Legend and title text, laid out above and below the plot. */
static void draw_frame(cairo_t *cr, const struct wfad_dataset *ds, size_t run,
		       const struct layout *L, const char *summary, bool any_incomplete)
{
	const struct wfad_run *r = &ds->runs[run];
	char title[512];
	snprintf(title, sizeof(title), "%s  |  run %s  |  label %s  |  %zu jobs",
		 ds->workflow ? ds->workflow : "workflow", r->id ? r->id : "?",
		 r->label ? r->label : "?", ds->dag.n_nodes);
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
	cairo_set_font_size(cr, 15);
	cairo_text_extents_t tt;
	cairo_text_extents(cr, title, &tt);
	if (tt.x_advance > L->width - 40) /* shrink a long title to the page */
		cairo_set_font_size(cr, 15 * (L->width - 40) / tt.x_advance);
	draw_text(cr, 20, 24, title, 0);
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, 12);
	if (summary) {
		set_rgb(cr, flag_rgb);
		draw_wrapped(cr, 20, 44, L->width - 40, 16, 2, summary);
	}
	/* Time axis: ticks, grid lines and labels below the plot. */
	double unit;
	const char *unit_name;
	double step = nice_step(L->span, &unit, &unit_name);
	double y_axis = L->top + L->plot_h;
	cairo_set_line_width(cr, 1);
	for (int k = 0; k < MAX_TICKS; k++) {
		double t = k * step;
		if (t > L->span * 1.0001)
			break;
		double x = floor(x_of(L, t)) + 0.5;
		cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
		cairo_move_to(cr, x, L->top);
		cairo_line_to(cr, x, y_axis);
		cairo_stroke(cr);
		cairo_set_source_rgb(cr, 0, 0, 0);
		cairo_move_to(cr, x, y_axis);
		cairo_line_to(cr, x, y_axis + 5);
		cairo_stroke(cr);
		char lab[32];
		snprintf(lab, sizeof(lab), "%g", t / unit);
		draw_text(cr, x, y_axis + 18, lab, 0.5);
	}
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_move_to(cr, L->left, y_axis + 0.5);
	cairo_line_to(cr, L->width - L->right, y_axis + 0.5);
	cairo_stroke(cr);
	char axis[64];
	snprintf(axis, sizeof(axis), "time since the run's start (%s)", unit_name);
	draw_text(cr, (L->left + L->width - L->right) / 2, y_axis + 36, axis, 0.5);
	/* Legend: one swatch per segment kind, then the marks; wraps onto a second line. */
	double lx = 20, ly = y_axis + 52;
	for (int s = 0; s < WFAD_SEG_COUNT + 2; s++) {
		const char *name =
			s < WFAD_SEG_COUNT    ? wfad_gantt_segment_name((enum wfad_gantt_segment)s)
			: s == WFAD_SEG_COUNT ? "flagged"
					      : "incomplete (failed or missing timestamps)";
		if ((s == WFAD_SEG_COUNT && !summary) || (s > WFAD_SEG_COUNT && !any_incomplete))
			continue;
		cairo_text_extents_t te;
		cairo_text_extents(cr, name, &te);
		if (lx + 18 + te.x_advance > L->width - 10 && lx > 20) {
			lx = 20;
			ly += 18;
		}
		if (s < WFAD_SEG_COUNT) {
			set_rgb(cr, seg_rgb[s]);
			cairo_rectangle(cr, lx, ly, 14, 10);
			cairo_fill(cr);
		} else if (s == WFAD_SEG_COUNT) {
			set_rgb(cr, flag_rgb);
			cairo_set_line_width(cr, 2);
			cairo_rectangle(cr, lx + 1, ly + 1, 12, 8);
			cairo_stroke(cr);
		} else {
			cairo_set_source_rgb(cr, 0, 0, 0);
			cairo_set_line_width(cr, 1.5);
			cairo_move_to(cr, lx + 2, ly);
			cairo_line_to(cr, lx + 12, ly + 10);
			cairo_move_to(cr, lx + 12, ly);
			cairo_line_to(cr, lx + 2, ly + 10);
			cairo_stroke(cr);
		}
		cairo_set_source_rgb(cr, 0, 0, 0);
		draw_text(cr, lx + 18, ly + 10, name, 0);
		lx += 30 + te.x_advance;
	}
}

static void draw_cross(cairo_t *cr, double x, double y, double h)
{
	double r = h / 2 > 4 ? 4 : h / 2 < 2 ? 2 : h / 2;
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_line_width(cr, 1.5);
	cairo_move_to(cr, x - r, y - r);
	cairo_line_to(cr, x + r, y + r);
	cairo_move_to(cr, x + r, y - r);
	cairo_line_to(cr, x - r, y + r);
	cairo_stroke(cr);
}

/* One job's row: its segments, the flag outline and the incomplete mark. */
static void draw_job(cairo_t *cr, const struct wfad_job *j, const struct layout *L, double t_origin,
		     size_t row, bool flagged)
{
	struct wfad_gantt_span sp[WFAD_SEG_COUNT];
	wfad_gantt_job_spans(j, t_origin, sp);
	double y = L->top + (double)row * L->bar_h;
	double pad = L->bar_h >= 4 ? L->bar_h * 0.15 : 0;
	double h = L->bar_h - 2 * pad;
	double lo = INFINITY, hi = -INFINITY;
	for (int s = 0; s < WFAD_SEG_COUNT; s++) {
		if (isnan(sp[s].t0))
			continue;
		double x0 = x_of(L, sp[s].t0), x1 = x_of(L, sp[s].t1);
		/* Stage-in and stage-out overlap the runtime: drawn as inner bands. */
		bool inner = s == WFAD_SEG_STAGE_IN || s == WFAD_SEG_STAGE_OUT;
		double yy = inner ? y + pad + h * 0.2 : y + pad, hh = inner ? h * 0.6 : h;
		set_rgb(cr, seg_rgb[s]);
		cairo_rectangle(cr, x0, yy, x1 - x0, hh);
		cairo_fill(cr);
		lo = x0 < lo ? x0 : lo;
		hi = x1 > hi ? x1 : hi;
	}
	if (flagged && lo <= hi) {
		set_rgb(cr, flag_rgb);
		cairo_set_line_width(cr, L->bar_h >= 6 ? 2 : 1);
		cairo_rectangle(cr, lo - 1, y + pad - 1, hi - lo + 2, h + 2);
		cairo_stroke(cr);
	}
	if (flagged) { /* badge in the gutter, visible even for a bar too thin to outline */
		set_rgb(cr, flag_rgb);
		double cy = y + L->bar_h / 2, r = L->bar_h / 2 > 4 ? 4 : L->bar_h / 2 + 1;
		cairo_move_to(cr, L->left - 10, cy - r);
		cairo_line_to(cr, L->left - 2, cy);
		cairo_line_to(cr, L->left - 10, cy + r);
		cairo_close_path(cr);
		cairo_fill(cr);
	}
	if (wfad_gantt_job_incomplete(j)) {
		/* At the last known time of the job, or at the start when nothing is known. */
		double x = hi > -INFINITY ? hi + 5 : L->left + 5;
		draw_cross(cr, x, y + L->bar_h / 2, L->bar_h);
	}
}

static enum wfad_render_format format_of(const char *path, enum wfad_render_format f)
{
	if (f != WFAD_RENDER_AUTO)
		return f;
	const char *dot = strrchr(path, '.');
	if (!dot)
		return WFAD_RENDER_AUTO;
	if (strcmp(dot, ".png") == 0 || strcmp(dot, ".PNG") == 0)
		return WFAD_RENDER_PNG;
	if (strcmp(dot, ".svg") == 0 || strcmp(dot, ".SVG") == 0)
		return WFAD_RENDER_SVG;
	if (strcmp(dot, ".pdf") == 0 || strcmp(dot, ".PDF") == 0)
		return WFAD_RENDER_PDF;
	return WFAD_RENDER_AUTO;
}

enum wfad_status wfad_render_gantt(const struct wfad_dataset *ds, size_t run,
				   const struct wfad_gantt_options *opt, const char *path,
				   struct wfad_error *err)
{
	WFAD_ASSERT(ds && opt && path && run < ds->n_runs);
	enum wfad_render_format fmt = format_of(path, opt->format);
	if (fmt == WFAD_RENDER_AUTO)
		return wfad_error_set(err, WFAD_EFORMAT, path, 0, 0,
				      "unknown output format (use .png, .svg or .pdf)");
	/* Cairo reports an unwritable path only at the end; fail early with a clear message. */
	FILE *probe = fopen(path, "wb");
	if (!probe)
		return wfad_error_set(err, WFAD_EIO, path, 0, 0, "cannot write: %s",
				      strerror(errno));
	fclose(probe);

	size_t n = ds->dag.n_nodes;
	const struct wfad_run *r = &ds->runs[run];
	double t_min = 0, t_max = 1;
	if (!wfad_gantt_run_bounds(ds, run, &t_min, &t_max))
		t_min = 0, t_max = 1;
	struct layout L = {0};
	L.width = opt->width > 0 ? opt->width : 1200;
	L.span = t_max - t_min > 1e-9 ? t_max - t_min : 1;
	L.bar_h = n ? 900.0 / (double)n : 16;
	L.bar_h = L.bar_h > 16 ? 16 : L.bar_h < 1.2 ? 1.2 : L.bar_h;
	L.font = L.bar_h >= 10 ? 10 : L.bar_h >= 8 ? L.bar_h : 8;
	L.label_every = (size_t)ceil(9.5 / L.bar_h);
	L.left = 260;
	L.right = 30;
	L.top = opt->flagged ? 76 : 44;
	L.plot_h = L.bar_h * (double)n;
	L.height = L.top + L.plot_h + 98;

	uint32_t *order = malloc((n + 1) * sizeof(uint32_t));
	char summary[600];
	if (!order)
		return wfad_error_set(err, WFAD_ENOMEM, path, 0, 0, "out of memory");
	wfad_gantt_order(ds, run, opt->sort, order);
	if (opt->flagged)
		wfad_gantt_flag_summary(ds, run, opt->flagged, opt->source, summary,
					sizeof(summary));
	bool any_incomplete = false;
	for (size_t i = 0; i < n; i++)
		any_incomplete |= wfad_gantt_job_incomplete(&r->jobs[i]);

	cairo_surface_t *surf;
	int w_px = (int)ceil(L.width), h_px = (int)ceil(L.height);
	if (fmt == WFAD_RENDER_PNG)
		surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w_px, h_px);
	else if (fmt == WFAD_RENDER_SVG)
		surf = cairo_svg_surface_create(path, L.width, L.height);
	else
		surf = cairo_pdf_surface_create(path, L.width, L.height);
	cairo_t *cr = cairo_create(surf);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	draw_frame(cr, ds, run, &L, opt->flagged ? summary : NULL, any_incomplete);
	/* Job names on the y axis: every row when they fit, else every label_every-th. */
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, L.font);
	for (size_t row = 0; row < n; row++) {
		if (row % L.label_every)
			continue;
		const char *name = ds->dag.node_ids[order[row]];
		char shown[48];
		size_t len = strlen(name);
		if (len > 40)
			snprintf(shown, sizeof(shown), "%.18s...%s", name, name + len - 19);
		else
			snprintf(shown, sizeof(shown), "%s", name);
		cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
		draw_text(cr, L.left - 14, L.top + ((double)row + 0.5) * L.bar_h + L.font * 0.35,
			  shown, 1);
	}
	for (size_t row = 0; row < n; row++) {
		uint32_t node = order[row];
		draw_job(cr, &r->jobs[node], &L, t_min, row, opt->flagged && opt->flagged[node]);
	}
	cairo_destroy(cr);
	cairo_surface_flush(surf);
	cairo_status_t cs;
	if (fmt == WFAD_RENDER_PNG)
		cs = cairo_surface_write_to_png(surf, path);
	else {
		cairo_surface_finish(surf);
		cs = cairo_surface_status(surf);
	}
	cairo_surface_destroy(surf);
	free(order);
	if (cs != CAIRO_STATUS_SUCCESS)
		return wfad_error_set(err, WFAD_EIO, path, 0, 0, "cannot write: %s",
				      cairo_status_to_string(cs));
	return WFAD_OK;
}
