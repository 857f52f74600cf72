// chart.cpp — the chart widget: layout, input, axes, pixel-column folding, hover.
#include "widgets/chart.hpp"

#include "model/axis.hpp"
#include "model/catalog.hpp"
#include "widgets/theme.hpp"

#include <algorithm>
#include <vector>

namespace tracker::ui::widgets {

namespace {

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();

struct mapping {
  double x0, x1, y0, y1;  // data (y in log10 units when log)
  ImVec2 min, max;        // plot rect on screen
  bool log_y;
  float X(double x) const { return min.x + float((x - x0) / (x1 - x0)) * (max.x - min.x); }
  double inv_x(float px) const {
    return x0 + double(px - min.x) / double(max.x - min.x) * (x1 - x0);
  }
  double ty(double v) const { return log_y ? (v > 0 ? std::log10(v) : nan_v) : v; }
  float Yt(double t) const { return max.y - float((t - y0) / (y1 - y0)) * (max.y - min.y); }
  float Y(double v) const { return Yt(ty(v)); }
  double inv_y(float py) const {
    return y0 + double(max.y - py) / double(max.y - min.y) * (y1 - y0);
  }
};

// Folds the visible points of one series into pixel columns (plot-relative coordinates):
// per column the min-max band, and one vertex at the column's last value for the raw and the
// smoothed line. NaN breaks a line.
void fold_series(const mapping& m, const plot_series& s, bool smoothed, line_cache& c) {
  c.raw.clear();
  c.smooth.clear();
  c.raw_ends.clear();
  c.smooth_ends.clear();
  c.bands.clear();
  const auto& p = s.pts;
  if (p.empty()) return;
  // First point whose x reaches the visible range; one before it keeps the line going.
  auto first = std::lower_bound(p.begin(), p.end(), m.x0,
                                [](const plot_point& q, double v) { return q.x < v; });
  std::size_t i0 = first == p.begin() ? 0 : std::size_t(first - p.begin()) - 1;
  const float h = m.max.y - m.min.y;
  const float clip_lo = -4000, clip_hi = h + 4000;  // keep floats sane when zoomed far in
  auto clampy = [&](float y) { return std::clamp(y, clip_lo, clip_hi); };
  auto rel_y = [&](double v) { return m.Y(v) - m.min.y; };
  auto end_piece = [](std::vector<ImVec2>& pts, std::vector<int>& ends) {
    if (ends.empty() ? !pts.empty() : ends.back() != int(pts.size()))
      ends.push_back(int(pts.size()));
  };

  int col = std::numeric_limits<int>::min();
  int in_col = 0;
  double band_lo = nan_v, band_hi = nan_v;
  float last_px = 0;
  double last_y = nan_v, last_ys = nan_v;
  auto flush_col = [&] {
    if (in_col == 0) return;
    if (std::isfinite(band_lo) && std::isfinite(band_hi) && (in_col > 1 || s.bucketed)) {
      float ya = clampy(rel_y(band_hi)), yb = clampy(rel_y(band_lo));
      if (std::isfinite(ya) && std::isfinite(yb) && yb - ya >= 1.0f)
        c.bands.emplace_back(float(col), ya, float(col) + 1.0f, yb);
    }
    float yr = rel_y(last_y), ys = rel_y(last_ys);
    if (std::isfinite(yr))
      c.raw.emplace_back(last_px, clampy(yr));
    else
      end_piece(c.raw, c.raw_ends);
    if (smoothed) {
      if (std::isfinite(ys))
        c.smooth.emplace_back(last_px, clampy(ys));
      else
        end_piece(c.smooth, c.smooth_ends);
    }
    in_col = 0;
    band_lo = band_hi = nan_v;
  };
  const double to_px = double(m.max.x - m.min.x) / (m.x1 - m.x0);
  for (std::size_t i = i0; i < p.size(); ++i) {
    const plot_point& q = p[i];
    float px = float((q.x - m.x0) * to_px);
    int cidx = int(std::floor(px));
    if (cidx != col) {
      flush_col();
      col = cidx;
    }
    ++in_col;
    double lo = std::isfinite(q.lo) ? q.lo : q.y, hi = std::isfinite(q.hi) ? q.hi : q.y;
    if (std::isfinite(lo)) band_lo = std::isnan(band_lo) ? lo : std::min(band_lo, lo);
    if (std::isfinite(hi)) band_hi = std::isnan(band_hi) ? hi : std::max(band_hi, hi);
    last_px = px;
    last_y = q.y;
    last_ys = q.ys;
    if (q.x0 > m.x1) break;  // the first point past the right edge closes the line
  }
  flush_col();
  end_piece(c.raw, c.raw_ends);
  end_piece(c.smooth, c.smooth_ends);
}

// Emits a folded line at the plot's current screen position.
void emit_series(ImDrawList* dl, const mapping& m, const line_cache& c, std::uint32_t color,
                 bool smoothed) {
  const ImU32 band_col = with_alpha(color, smoothed ? 0.32f : 0.40f);
  const ImU32 raw_col = smoothed ? with_alpha(color, 0.30f) : color;
  const ImVec2 o = m.min;
  if (!c.bands.empty()) {  // one reservation for every band column
    dl->PrimReserve(int(c.bands.size()) * 6, int(c.bands.size()) * 4);
    for (const ImVec4& b : c.bands)
      dl->PrimRect(ImVec2(o.x + b.x, o.y + b.y), ImVec2(o.x + b.z, o.y + b.w), band_col);
  }
  static thread_local std::vector<ImVec2> buf;
  auto lines = [&](const std::vector<ImVec2>& pts, const std::vector<int>& ends, ImU32 col,
                   float thickness) {
    int start = 0;
    for (int end : ends) {
      int n = end - start;
      if (n >= 2) {
        buf.resize(std::size_t(n));
        for (int i = 0; i < n; ++i)
          buf[std::size_t(i)] =
              ImVec2(o.x + pts[std::size_t(start + i)].x, o.y + pts[std::size_t(start + i)].y);
        dl->AddPolyline(buf.data(), n, col, ImDrawFlags_None, thickness);
      } else if (n == 1) {
        dl->AddCircleFilled(
            ImVec2(o.x + pts[std::size_t(start)].x, o.y + pts[std::size_t(start)].y), 2.5f, col);
      }
      start = end;
    }
  };
  lines(c.raw, c.raw_ends, raw_col, smoothed ? 1.0f : 1.6f);
  if (smoothed) lines(c.smooth, c.smooth_ends, color, 1.7f);
}

void draw_series(ImDrawList* dl, const mapping& m, const chart_line& l, bool smoothed) {
  static thread_local line_cache scratch;
  line_cache& c = l.cache ? *l.cache : scratch;
  const float w = m.max.x - m.min.x, h = m.max.y - m.min.y;
  if (!l.cache || c.version != l.series->version || c.x0 != m.x0 || c.x1 != m.x1 || c.y0 != m.y0 ||
      c.y1 != m.y1 || c.w != w || c.h != h || c.log_y != m.log_y || c.smoothed != smoothed) {
    fold_series(m, *l.series, smoothed, c);
    c.version = l.series->version;
    c.x0 = m.x0, c.x1 = m.x1, c.y0 = m.y0, c.y1 = m.y1, c.w = w, c.h = h;
    c.log_y = m.log_y;
    c.smoothed = smoothed;
  }
  emit_series(dl, m, c, l.color, smoothed);
}

void draw_group(ImDrawList* dl, const mapping& m, const chart_group_line& g) {
  const group_line& l = *g.line;
  const ImU32 band = with_alpha(g.color, 0.22f);
  for (std::size_t i = 0; i + 1 < l.x.size(); ++i) {
    auto lo = [&](std::size_t k) { return g.band_stddev ? l.mean[k] - l.stddev[k] : l.min[k]; };
    auto hi = [&](std::size_t k) { return g.band_stddev ? l.mean[k] + l.stddev[k] : l.max[k]; };
    float xa = m.X(l.x[i]), xb = m.X(l.x[i + 1]);
    float a_hi = m.Y(hi(i)), a_lo = m.Y(lo(i)), b_hi = m.Y(hi(i + 1)), b_lo = m.Y(lo(i + 1));
    if (!std::isfinite(a_hi + a_lo + b_hi + b_lo)) continue;
    dl->AddQuadFilled(ImVec2(xa, a_hi), ImVec2(xb, b_hi), ImVec2(xb, b_lo), ImVec2(xa, a_lo), band);
  }
  std::vector<ImVec2> pts;
  for (std::size_t i = 0; i < l.x.size(); ++i) {
    float y = m.Y(l.mean[i]);
    if (std::isfinite(y)) pts.emplace_back(m.X(l.x[i]), y);
  }
  if (pts.size() >= 2)
    dl->AddPolyline(pts.data(), int(pts.size()), g.color, ImDrawFlags_None, 2.0f);
}

double interpolate_group(const group_line& g, double x) {
  if (g.x.empty() || x < g.x.front() || x > g.x.back()) return nan_v;
  auto it = std::lower_bound(g.x.begin(), g.x.end(), x);
  std::size_t i = std::size_t(it - g.x.begin());
  if (i == 0 || g.x[i] == x) return g.mean[i];
  double f = (x - g.x[i - 1]) / (g.x[i] - g.x[i - 1]);
  return g.mean[i - 1] + f * (g.mean[i] - g.mean[i - 1]);
}

void extend(double& lo, double& hi, double v) {
  if (!std::isfinite(v)) return;
  lo = std::isnan(lo) ? v : std::min(lo, v);
  hi = std::isnan(hi) ? v : std::max(hi, v);
}

}  // namespace

chart_result chart(const char* id, ImVec2 size, chart_range& range, chart_state& state,
                   const chart_options& opts, std::span<const chart_line> lines,
                   std::span<const chart_group_line> groups) {
  chart_result res;
  ImGui::PushID(id);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 pos = ImGui::GetCursorScreenPos();
  const float line_h = ImGui::GetTextLineHeight();
  const theme_colors& tc = colors();

  // ---- 1. layout: title, legend, plot, axis labels -------------------------------------------
  dl->AddRectFilled(pos, ImVec2(pos.x + size.x, pos.y + size.y), tc.chart_bg, 6.0f);
  float y = pos.y + 6;
  dl->AddText(ImVec2(pos.x + 10, y), tc.text, opts.title);
  y += line_h + 4;
  if (opts.legend && (!lines.empty() || !groups.empty())) {
    float x = pos.x + 10, right = pos.x + size.x - 10;
    std::size_t shown = 0, total = lines.size() + groups.size();
    auto entry = [&](const char* label, std::uint32_t color) -> bool {
      float w = ImGui::CalcTextSize(label).x + 22;
      if (x + w > right - 60 && shown > 0) return false;
      dl->AddRectFilled(ImVec2(x, y + line_h * 0.5f - 2), ImVec2(x + 12, y + line_h * 0.5f + 2),
                        color, 1.0f);
      dl->AddText(ImVec2(x + 16, y), tc.text_dim, label);
      x += w;
      ++shown;
      return true;
    };
    for (const chart_group_line& g : groups)
      if (!entry(g.label, g.color)) break;
    if (shown == groups.size())
      for (const chart_line& l : lines)
        if (!entry(l.label, l.color)) break;
    if (shown < total) {
      char more[32];
      std::snprintf(more, sizeof more, "+%zu more", total - shown);
      dl->AddText(ImVec2(x, y), tc.text_dim, more);
    }
    y += line_h + 2;
  }
  const float left_margin = ImGui::CalcTextSize("-0.0000").x + 14;
  mapping m{};
  m.min = ImVec2(std::floor(pos.x + left_margin), std::floor(y + 4));
  m.max = ImVec2(std::floor(pos.x + size.x - 14), std::floor(pos.y + size.y - line_h - 10));
  m.log_y = opts.log_y;
  if (m.max.x - m.min.x < 20 || m.max.y - m.min.y < 20) {
    ImGui::Dummy(size);
    ImGui::PopID();
    return res;
  }

  // ---- 2. data extent and the x-range
  // ------------------------------------------------------------
  double dx0 = nan_v, dx1 = nan_v;
  for (const chart_line& l : lines)
    if (l.series && !l.series->pts.empty()) {
      extend(dx0, dx1, l.series->pts.front().x0);
      extend(dx0, dx1, l.series->pts.back().x1);
      extend(dx0, dx1, l.series->pts.back().x);
    }
  for (const chart_group_line& g : groups)
    if (g.line && !g.line->x.empty()) {
      extend(dx0, dx1, g.line->x.front());
      extend(dx0, dx1, g.line->x.back());
    }
  const bool has_data = std::isfinite(dx0);
  if (!has_data) dx0 = 0, dx1 = 1;
  if (dx1 <= dx0) dx0 -= 0.5, dx1 += 0.5;

  // ---- 3. input -------------------------------------------------------------------------------
  ImGui::SetCursorScreenPos(m.min);
  ImGui::InvisibleButton("plot", ImVec2(m.max.x - m.min.x, m.max.y - m.min.y),
                         ImGuiButtonFlags_MouseButtonLeft | ImGuiButtonFlags_MouseButtonRight);
  const bool hovered = ImGui::IsItemHovered();
  const bool active = ImGui::IsItemActive();
  ImGuiIO& io = ImGui::GetIO();
  m.x0 = range.is_auto() ? dx0 : range.x0;
  m.x1 = range.is_auto() ? dx1 : range.x1;
  if (!(m.x1 > m.x0)) m.x1 = m.x0 + 1;
  if (hovered && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) {
    range.reset();
    state.y0 = state.y1 = nan_v;
    m.x0 = dx0, m.x1 = dx1;
  } else if (hovered && io.MouseWheel != 0) {
    double f = std::pow(0.85, double(io.MouseWheel));
    double mx = m.inv_x(io.MousePos.x);
    range.x0 = mx - (mx - m.x0) * f;
    range.x1 = mx + (m.x1 - mx) * f;
    m.x0 = range.x0, m.x1 = range.x1;
  }
  const bool box_button = ImGui::IsMouseDown(ImGuiMouseButton_Right) ||
                          (ImGui::IsMouseDown(ImGuiMouseButton_Left) && io.KeyShift);
  if (ImGui::IsItemActivated() && box_button) {
    state.boxing = true;
    state.box_start = io.MousePos;
  }
  if (active && !state.boxing && ImGui::IsMouseDragging(ImGuiMouseButton_Left, 2.0f) &&
      io.MouseDelta.x != 0) {
    double dx = double(io.MouseDelta.x) / double(m.max.x - m.min.x) * (m.x1 - m.x0);
    range.x0 = m.x0 - dx;
    range.x1 = m.x1 - dx;
    m.x0 = range.x0, m.x1 = range.x1;
  }

  // ---- 4. the y-range over what is visible
  // --------------------------------------------------------
  double vy0 = nan_v, vy1 = nan_v;
  std::vector<double> for_percentile;
  for (const chart_line& l : lines) {
    if (!l.series) continue;
    if (opts.ignore_outliers) {
      for (const plot_point& q : l.series->pts) {
        if (q.x1 < m.x0 || q.x0 > m.x1) continue;
        for_percentile.push_back(m.ty(q.y));
        if (opts.smoothed) for_percentile.push_back(m.ty(q.ys));
      }
      continue;
    }
    line_cache* c = l.cache;
    if (!c || c->ext_version != l.series->version || c->ext_x0 != m.x0 || c->ext_x1 != m.x1 ||
        c->ext_log != m.log_y) {
      double lo = nan_v, hi = nan_v;
      for (const plot_point& q : l.series->pts) {
        if (q.x1 < m.x0 || q.x0 > m.x1) continue;
        extend(lo, hi, m.ty(std::isfinite(q.lo) ? q.lo : q.y));
        extend(lo, hi, m.ty(std::isfinite(q.hi) ? q.hi : q.y));
        extend(lo, hi, m.ty(q.y));
      }
      if (!c) {
        extend(vy0, vy1, lo);
        extend(vy0, vy1, hi);
        continue;
      }
      c->ext_version = l.series->version;
      c->ext_x0 = m.x0, c->ext_x1 = m.x1, c->ext_log = m.log_y;
      c->lo = lo, c->hi = hi;
    }
    extend(vy0, vy1, c->lo);
    extend(vy0, vy1, c->hi);
  }
  for (const chart_group_line& g : groups) {
    const group_line& l = *g.line;
    for (std::size_t i = 0; i < l.x.size(); ++i) {
      if (l.x[i] < m.x0 || l.x[i] > m.x1) continue;
      double lo = g.band_stddev ? l.mean[i] - l.stddev[i] : l.min[i];
      double hi = g.band_stddev ? l.mean[i] + l.stddev[i] : l.max[i];
      if (opts.ignore_outliers) for_percentile.push_back(m.ty(l.mean[i]));
      extend(vy0, vy1, m.ty(lo));
      extend(vy0, vy1, m.ty(hi));
    }
  }
  if (opts.ignore_outliers && !for_percentile.empty()) {
    // Clip to the 5th..95th percentile of the visible values (the bands are ignored too).
    vy0 = percentile(for_percentile, 5);
    vy1 = percentile(for_percentile, 95);
  }
  if (!std::isfinite(vy0)) vy0 = 0, vy1 = 1;
  if (vy1 - vy0 < 1e-12 * std::max(1.0, std::abs(vy0))) {
    double d = std::abs(vy0) > 0 ? std::abs(vy0) * 0.1 : 1.0;
    vy0 -= d, vy1 += d;
  }
  double pad = (vy1 - vy0) * 0.06;
  m.y0 = vy0 - pad;
  m.y1 = vy1 + pad;
  if (std::isfinite(state.y0) && std::isfinite(state.y1) && state.y1 > state.y0)
    m.y0 = state.y0, m.y1 = state.y1;

  // ---- 5. axes and grid ----------------------------------------------------------------------
  dl->AddRectFilled(m.min, m.max, tc.plot_bg);
  const float w = m.max.x - m.min.x, h = m.max.y - m.min.y;
  axis_ticks yt = opts.log_y ? log_ticks(m.y0, m.y1, std::max(2, int(h / 38)))
                             : nice_ticks(m.y0, m.y1, std::max(2, int(h / 38)));
  for (double v : yt.values) {
    float py = std::round(m.Yt(v)) + 0.5f;
    dl->AddLine(ImVec2(m.min.x, py), ImVec2(m.max.x, py), tc.grid);
    std::string label =
        opts.log_y ? format_value(std::pow(10.0, v)) : format_tick(v, yt.step, opts.axis, false);
    ImVec2 ts = ImGui::CalcTextSize(label.c_str());
    dl->AddText(ImVec2(m.min.x - ts.x - 6, py - ts.y * 0.5f), tc.text_dim, label.c_str());
  }
  const int max_x_ticks = std::max(2, int(w / (opts.axis == x_axis::wall ? 120 : 90)));
  axis_ticks xt = opts.axis == x_axis::step ? nice_ticks(m.x0, m.x1, max_x_ticks)
                                            : time_ticks(m.x0, m.x1, max_x_ticks);
  if (opts.axis == x_axis::step && xt.step < 1)
    xt = nice_ticks(m.x0, m.x1, std::max(2, int(m.x1 - m.x0)));
  // The x-axis caption sits bottom left, in the tick labels' row; a label that would run into
  // it is left out (its grid line stays).
  const char* caption = opts.axis == x_axis::step       ? "step"
                        : opts.axis == x_axis::relative ? "time since start"
                                                        : "wall time";
  const float caption_right = pos.x + 10 + ImGui::CalcTextSize(caption).x + 6;
  dl->AddText(ImVec2(pos.x + 10, m.max.y + 4), tc.text_dim, caption);
  for (double v : xt.values) {
    float px = std::round(m.X(v)) + 0.5f;
    dl->AddLine(ImVec2(px, m.min.y), ImVec2(px, m.max.y), tc.grid);
    std::string label = format_tick(v, xt.step, opts.axis, true);
    ImVec2 ts = ImGui::CalcTextSize(label.c_str());
    float lx = std::clamp(px - ts.x * 0.5f, m.min.x - 8, m.max.x - ts.x + 8);
    if (lx < caption_right) continue;
    dl->AddText(ImVec2(lx, m.max.y + 4), tc.text_dim, label.c_str());
  }
  dl->AddRect(m.min, m.max, tc.plot_border);

  // ---- 6. the data
  // ---------------------------------------------------------------------------------
  dl->PushClipRect(m.min, m.max, true);
  for (const chart_group_line& g : groups)
    if (g.line) draw_group(dl, m, g);
  for (const chart_line& l : lines)
    if (l.series) draw_series(dl, m, l, opts.smoothed && groups.empty());
  if (!has_data) {
    const char* msg = "no data for the selected runs";
    ImVec2 ts = ImGui::CalcTextSize(msg);
    dl->AddText(ImVec2(m.min.x + (w - ts.x) * 0.5f, m.min.y + (h - ts.y) * 0.5f), tc.text_dim, msg);
  }

  // ---- 7. box zoom, crosshair, tooltip
  // -------------------------------------------------------------
  if (state.boxing) {
    ImVec2 a = state.box_start, b = io.MousePos;
    ImVec2 lo(std::min(a.x, b.x), std::min(a.y, b.y)), hi(std::max(a.x, b.x), std::max(a.y, b.y));
    dl->AddRectFilled(lo, hi, tc.box_fill);
    dl->AddRect(lo, hi, tc.box_border);
    if (!ImGui::IsMouseDown(ImGuiMouseButton_Right) && !ImGui::IsMouseDown(ImGuiMouseButton_Left)) {
      state.boxing = false;
      if (std::abs(b.x - a.x) > 4) {
        double xa = m.inv_x(std::min(a.x, b.x)), xb = m.inv_x(std::max(a.x, b.x));
        range.x0 = xa, range.x1 = xb;
      }
      if (std::abs(b.y - a.y) > 4) {
        state.y0 = m.inv_y(std::max(a.y, b.y));
        state.y1 = m.inv_y(std::min(a.y, b.y));
      }
    }
  }
  if (!hovered && std::isfinite(opts.linked_hover_x) && opts.linked_hover_x >= m.x0 &&
      opts.linked_hover_x <= m.x1) {
    float lx = m.X(opts.linked_hover_x);
    dl->AddLine(ImVec2(lx, m.min.y), ImVec2(lx, m.max.y), with_alpha(tc.crosshair, 0.25f));
  }
  if (hovered && has_data && !state.boxing) {
    res.hover_x = m.inv_x(io.MousePos.x);
    float mx = io.MousePos.x;
    double x = m.inv_x(mx);
    dl->AddLine(ImVec2(mx, m.min.y), ImVec2(mx, m.max.y), tc.crosshair);
    struct row {
      double v, raw;
      std::uint32_t color;
      const char* label;
    };
    std::vector<row> rows;
    for (const chart_line& l : lines) {
      if (!l.series) continue;
      double v = value_at(*l.series, x, opts.smoothed);
      double raw = value_at(*l.series, x, false);
      if (std::isnan(v) && std::isnan(raw)) continue;
      rows.push_back({v, raw, l.color, l.label});
      float py = m.Y(v);
      if (std::isfinite(py) && py >= m.min.y && py <= m.max.y) {
        dl->AddCircleFilled(ImVec2(mx, py), 4.0f, l.color);
        dl->AddCircle(ImVec2(mx, py), 4.0f, tc.plot_bg);
      }
    }
    for (const chart_group_line& g : groups) {
      double v = interpolate_group(*g.line, x);
      if (!std::isnan(v)) rows.push_back({v, v, g.color, g.label});
    }
    std::sort(rows.begin(), rows.end(), [](const row& a, const row& b) {
      if (std::isnan(a.v) != std::isnan(b.v)) return std::isnan(b.v);
      return a.v > b.v;
    });
    ImGui::BeginTooltip();
    const char* what =
        opts.axis == x_axis::step ? "step" : (opts.axis == x_axis::relative ? "time" : "at");
    ImGui::TextDisabled("%s %s", what, format_tick(x, 1, opts.axis, true).c_str());
    const bool show_raw = opts.smoothed && groups.empty();
    if (ImGui::BeginTable("values", show_raw ? 3 : 2, ImGuiTableFlags_SizingFixedFit)) {
      for (std::size_t i = 0; i < rows.size() && i < 30; ++i) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImDrawList* tdl = ImGui::GetWindowDrawList();
        ImVec2 c = ImGui::GetCursorScreenPos();
        tdl->AddRectFilled(ImVec2(c.x, c.y + line_h * 0.3f), ImVec2(c.x + 10, c.y + line_h * 0.7f),
                           rows[i].color, 2.0f);
        ImGui::Dummy(ImVec2(12, line_h));
        ImGui::SameLine();
        ImGui::TextUnformatted(rows[i].label);
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(format_value(rows[i].v).c_str());
        if (show_raw) {
          ImGui::TableNextColumn();
          ImGui::TextDisabled("raw %s", format_value(rows[i].raw).c_str());
        }
      }
      ImGui::EndTable();
    }
    if (rows.size() > 30) ImGui::TextDisabled("+%zu more", rows.size() - 30);
    ImGui::EndTooltip();
  }
  dl->PopClipRect();

  ImGui::SetCursorScreenPos(pos);
  ImGui::Dummy(size);
  res.x0 = m.x0;
  res.x1 = m.x1;
  res.plot_width_px = int(w);
  res.hovered = hovered;
  res.plot_min_x = m.min.x, res.plot_min_y = m.min.y, res.plot_max_x = m.max.x,
  res.plot_max_y = m.max.y;
  res.y0 = m.y0, res.y1 = m.y1;
  ImGui::PopID();
  return res;
}

}  // namespace tracker::ui::widgets
