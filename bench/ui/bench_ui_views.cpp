// bench_ui_views — the part 2 views' frame costs in a real window (GLFW + OpenGL 3; run it under
// Xvfb without a display), fed by the real loader thread from real stores. Not a test: it prints
// figures for docs/ui.md ("Performance") and never fails on a target.
//
//   xvfb-run -a -s "-screen 0 1600x1000x24" bench_ui_views [--dir DIR] [--quick]
//
//   (s) samples: a 10,000-row table whose image column references 1,000 distinct PNGs.
//       The loader thread's read + parse of the table, the first frame that shows the table
//       (it sorts the 10,000 rows; the loader thread parsed them), then
//       scrolling by mouse wheel, 3 rows a frame, in the list and in the grid, while the image
//       cache's thread decodes the thumbnails that scroll into view.
//   (c) confusion: a run with a 100-class matrix logged at 100 steps (and a second run for
//       the difference): steady frames (counts, hovered, by true, B - A), and the step slider
//       moved over all 100 steps, one step a frame and one every 4 frames (each step is a body
//       the loader thread reads; which step each frame drew is counted).
//
// Per frame: CPU time of the frame thread (CLOCK_THREAD_CPUTIME_ID) around
// NewFrame(); viewer.frame(); Render() — the model, the view and the draw lists, including the
// texture uploads of thumbnails — and, separately, the whole iteration (plus the GL draw calls
// and the buffer swap) and its wall time. Mouse and wheel are set directly on ImGuiIO (no
// input backend), so the figures do not depend on the X server's event timing.
#include "model/loader.hpp"
#include "views/viewer.hpp"
#include "widgets/texture.hpp"
#include "widgets/theme.hpp"

#include "../cpu_time.hpp"
#include "../machine_info.hpp"

#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>
#include <stb_image_write.h>
#include <tracker/metrics.hpp>
#include <tracker/tracker.hpp>

#define GLFW_INCLUDE_NONE
#include <GL/gl.h>
#include <GLFW/glfw3.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

using namespace tracker::ui;
namespace fs = std::filesystem;

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
double thread_cpu_s() { return tracker_bench::thread_cpu_seconds(); }

struct stats {
  double median = 0, p99 = 0, max = 0;
};
stats summarize(std::vector<double> v) {
  stats s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.median = v[v.size() / 2];
  s.p99 = v[std::min(v.size() - 1, std::size_t(0.99 * double(v.size())))];
  s.max = v.back();
  return s;
}

// One line: "median 1.23 ms (0.15x), p99 ..., max ..." with each figure as a ratio of target.
void report(const char* what, const std::vector<double>& ms, double target_ms) {
  stats s = summarize(ms);
  std::printf(
      "  %-58s median %6.2f ms (%.2fx)  p99 %6.2f ms (%.2fx)  max %6.2f ms (%.2fx)  [%zu frames]\n",
      what, s.median, s.median / target_ms, s.p99, s.p99 / target_ms, s.max, s.max / target_ms,
      ms.size());
}

tracker::options quiet(const std::string& store, const std::string& name) {
  tracker::options o;
  o.store = store;
  o.name = name;
  o.capture_git = false;
  o.handle_signals = false;
  return o;
}

// A 64x64 RGB picture (a ring and stripes that differ per index), as PNG bytes.
std::vector<std::uint8_t> picture_png(int index) {
  const int n = 64;
  std::vector<unsigned char> px(std::size_t(n * n * 3));
  for (int y = 0; y < n; ++y)
    for (int x = 0; x < n; ++x) {
      double u = (x - 31.5) / 31.5, v = (y - 31.5) / 31.5, r = std::sqrt(u * u + v * v);
      bool ring = std::abs(r - 0.3 - 0.05 * (index % 10)) < 0.12;
      unsigned char* p = &px[std::size_t((y * n + x) * 3)];
      p[0] = static_cast<unsigned char>(ring ? 230 : 40 + (x * 7 + index) % 60);
      p[1] = static_cast<unsigned char>(ring ? 120 + index % 100 : 30 + (y * 5) % 50);
      p[2] = static_cast<unsigned char>(((x / 8 + y / 8 + index) % 2) ? 90 : 20);
    }
  std::vector<std::uint8_t> out;
  stbi_write_png_to_func(
      [](void* ctx, void* data, int size) {
        auto* o = static_cast<std::vector<std::uint8_t>*>(ctx);
        o->insert(o->end(), static_cast<std::uint8_t*>(data),
                  static_cast<std::uint8_t*>(data) + size);
      },
      &out, n, n, 3, px.data(), n * 3);
  return out;
}

std::vector<std::string> class_names(int k) {
  std::vector<std::string> labels;
  for (int i = 0; i < k; ++i) labels.push_back("class-" + std::to_string(i));
  return labels;
}

// The samples store: one run, one table of `rows` rows at step 1; row i shows image i % images.
std::string make_samples_store(const std::string& dir, int rows, int images) {
  const std::string store = dir + "/samples-" + std::to_string(rows);
  if (fs::exists(store + "/tracker.db")) return store;
  double t0 = now_s();
  tracker::run run = tracker::init(quiet(store, "samples"));
  std::vector<std::string> paths;
  for (int i = 0; i < images; ++i)
    paths.push_back(run.log_media("val/" + std::to_string(i) + ".png", picture_png(i)));
  using tracker::metrics::column_type;
  tracker::metrics::table t({{"image", column_type::image},
                             {"true", column_type::text},
                             {"predicted", column_type::text},
                             {"confidence", column_type::number},
                             {"loss", column_type::number},
                             {"index", column_type::number}});
  const auto labels = class_names(10);
  std::uint64_t seed = 12345;
  for (int i = 0; i < rows; ++i) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    double u = double(seed >> 11) / double(1ull << 53);
    double conf = 0.5 + 0.49 * u;
    t.add_row({paths[std::size_t(i % images)], labels[std::size_t(i % 10)],
               labels[std::size_t((i * 7 + 3) % 10)], conf, -std::log(1 - conf), double(i)});
  }
  tracker::metrics::log_table(run, "val/misclassified", t, 1);
  run.finish();
  std::printf("(s) wrote %d rows and %d PNGs in %.1f s\n", rows, images, now_s() - t0);
  return store;
}

// The confusion store: runs "cm-a" and "cm-b", each a k-class matrix at `steps` steps.
std::string make_confusion_store(const std::string& dir, int k, int steps) {
  const std::string store = dir + "/confusion-" + std::to_string(k);
  if (fs::exists(store + "/tracker.db")) return store;
  double t0 = now_s();
  for (const char* name : {"cm-a", "cm-b"}) {
    tracker::run run = tracker::init(quiet(store, name));
    const bool b = name[3] == 'b';
    for (int s = 0; s < steps; ++s) {
      tracker::metrics::confusion_matrix cm(class_names(k));
      const double skill = 0.3 + 0.6 * double(s) / double(steps) + (b ? 0.03 : 0.0);
      for (int i = 0; i < k; ++i)
        for (int j = 0; j < k; ++j) {
          double v = i == j ? 100 * skill
                            : 100 * (1 - skill) / double(k) * (1 + ((i * 31 + j * 17 + s) % 5));
          cm.add(i, j, std::int64_t(v));
        }
      tracker::metrics::log_confusion_matrix(run, "val/confusion", cm, s * 100);
    }
    run.finish();
  }
  std::printf("(c) wrote 2 runs x %d steps of a %d-class matrix in %.1f s\n", steps, k,
              now_s() - t0);
  return store;
}

// The window and ImGui with the OpenGL 3 renderer, as tracker-ui sets them up (app/window.cpp),
// without the GLFW input backend: the bench sets the mouse itself.
struct window {
  GLFWwindow* win = nullptr;
  int w, h;
  window(int width, int height) : w(width), h(height) {
    if (!glfwInit()) return;
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
    glfwWindowHint(GLFW_RESIZABLE, GLFW_FALSE);
    win = glfwCreateWindow(w, h, "bench_ui_views", nullptr, nullptr);
    if (!win) return;
    glfwMakeContextCurrent(win);
    glfwSwapInterval(0);
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    widgets::apply_theme(16.0f);
    ImGui_ImplOpenGL3_Init("#version 330 core");
    widgets::set_texture_backend(
        {[](int tw, int th, const unsigned char* rgba) -> ImTextureID {
           GLuint tex = 0;
           glGenTextures(1, &tex);
           glBindTexture(GL_TEXTURE_2D, tex);
           glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
           glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
           glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
           glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, tw, th, 0, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
           return reinterpret_cast<ImTextureID>(static_cast<std::uintptr_t>(tex));
         },
         [](ImTextureID id) {
           GLuint tex = static_cast<GLuint>(reinterpret_cast<std::uintptr_t>(id));
           glDeleteTextures(1, &tex);
         }});
    // One empty frame: the renderer compiles its shaders and uploads the font atlas here,
    // not in the first timed frame.
    ImGui_ImplOpenGL3_NewFrame();
    io.DisplaySize = ImVec2(float(w), float(h));
    ImGui::NewFrame();
    ImGui::Render();
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    glfwSwapBuffers(win);
  }
  ~window() {
    if (!win) return;
    ImGui_ImplOpenGL3_Shutdown();
    ImGui::DestroyContext();
    glfwDestroyWindow(win);
    glfwTerminate();
  }
  struct timing {
    double view_ms, whole_ms, wall_ms;
  };
  // One frame. view_ms: CPU of NewFrame + viewer.frame + Render; whole_ms: CPU of the whole
  // iteration (+ GL draw calls, swap, event poll); wall_ms: its wall time.
  timing frame(viewer& v, ImVec2 mouse = ImVec2(-FLT_MAX, -FLT_MAX), float wheel = 0) {
    ImGuiIO& io = ImGui::GetIO();
    const double c0 = thread_cpu_s(), w0 = now_s();
    ImGui_ImplOpenGL3_NewFrame();
    io.DisplaySize = ImVec2(float(w), float(h));
    io.DeltaTime = 1.0f / 60.0f;
    io.MousePos = mouse;
    io.MouseWheel = wheel;
    const double v0 = thread_cpu_s();
    ImGui::NewFrame();
    v.frame();
    ImGui::Render();
    const double v1 = thread_cpu_s();
    glViewport(0, 0, w, h);
    glClearColor(0.067f, 0.071f, 0.086f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    glfwSwapBuffers(win);
    glfwPollEvents();
    return {(v1 - v0) * 1e3, (thread_cpu_s() - c0) * 1e3, (now_s() - w0) * 1e3};
  }
};

// ---- (s) samples ------------------------------------------------------------------------------

void bench_samples(window& win, const std::string& store, int frames) {
  {
    // What the loader thread does before the first frame can show the table: read the body
    // and parse its 10,000 rows (off the frame thread), measured here on a synchronous feed.
    sync_feed feed(store_source::open(store));
    feed.pump();
    const std::string run = feed.latest()->cat->runs.at(0).info.id;
    feed.want_objects({object_want{run, "val/misclassified", 1}});
    const double t0 = now_s();
    feed.pump();
    auto body = feed.latest()->body(run, "val/misclassified", 1);
    std::printf(
        "(s) loader thread: read + parse the %zu-row table body (%.1f MB of JSON): %.1f ms\n",
        body && body->table ? body->table->rows.size() : std::size_t(0),
        body ? double(body->record.body_json.size()) / 1e6 : 0.0, (now_s() - t0) * 1e3);
  }
  for (bool grid : {false, true}) {
    loader data(store);
    app_options opts;
    opts.store = store;
    opts.view = view_id::samples;
    viewer v(data, opts);
    v.samples().grid = grid;
    const char* mode = grid ? "grid" : "list";
    // Until the table is on screen: the frame that parses and sorts the 10,000 rows.
    const double t0 = now_s();
    window::timing first{};
    int waited = 0;
    for (;; ++waited) {
      window::timing t = win.frame(v);
      if (v.shown_samples() > 0) {
        first = t;
        break;
      }
      if (now_s() - t0 > 60) {
        std::printf("(s) %s: the table did not load in 60 s\n", mode);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::printf(
        "(s) %s, %zu rows: first frame with the table (sorts the rows; parsed by the loader): CPU "
        "%.1f ms "
        "(%.2fx of 100 ms), whole iteration CPU %.1f ms, wall %.1f ms (%.2fx); on screen "
        "%.0f ms after the viewer started (%d frames waited for the loader)\n",
        mode, v.shown_samples(), first.view_ms, first.view_ms / 100, first.whole_ms, first.wall_ms,
        first.wall_ms / 100, (now_s() - t0) * 1e3, waited);
    // Scroll: the mouse over the table, 3 wheel notches (3 rows of 78 px in the list) a frame.
    const ImVec2 mouse(float(win.w) * 0.5f, float(win.h) * 0.6f);
    std::vector<double> view_ms, whole_ms, wall_ms;
    std::set<std::string> shown, decoded;
    std::size_t placeholders = 0, drawn = 0;
    for (int i = 0; i < frames; ++i) {
      window::timing t = win.frame(v, mouse, grid ? -1.0f : -3.0f);
      view_ms.push_back(t.view_ms);
      whole_ms.push_back(t.whole_ms);
      wall_ms.push_back(t.wall_ms);
      for (const auto& img : v.drawn_images()) {
        shown.insert(img.path);
        if (img.pixels) decoded.insert(img.path);
        placeholders += !img.pixels;
        ++drawn;
      }
    }
    std::printf(
        "(s) %s, scrolling %d frames: %zu distinct thumbnails scrolled past, %zu of them drawn "
        "decoded; %.1f%% of thumbnail draws were a 'loading' placeholder\n",
        mode, frames, shown.size(), decoded.size(),
        drawn ? 100.0 * double(placeholders) / double(drawn) : 0.0);
    report("frame CPU (NewFrame + view + Render), target 8 ms", view_ms, 8);
    report("whole iteration CPU (+ GL draw calls + swap)", whole_ms, 8);
    report("whole iteration wall", wall_ms, 8);
  }
}

// ---- (c) confusion ----------------------------------------------------------------------------

void bench_confusion(window& win, const std::string& store, int frames) {
  loader data(store);
  app_options opts;
  opts.store = store;
  opts.view = view_id::confusion;
  opts.runs = {"cm-a", "cm-b"};
  viewer v(data, opts);
  const double t0 = now_s();
  while (!v.ready()) {
    win.frame(v);
    if (now_s() - t0 > 60) {
      std::printf("(c) the matrix did not load in 60 s\n");
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const std::size_t k = v.drawn_heatmaps().empty() ? 0 : v.drawn_heatmaps()[0].k;
  std::printf("(c) %zu classes, first matrix on screen %.0f ms after the viewer started\n", k,
              (now_s() - t0) * 1e3);
  auto steady = [&](const char* what, ImVec2 mouse) {
    std::vector<double> view_ms, whole_ms;
    for (int i = 0; i < frames; ++i) {
      window::timing t = win.frame(v, mouse);
      view_ms.push_back(t.view_ms);
      whole_ms.push_back(t.whole_ms);
    }
    std::printf("(c) %s\n", what);
    report("frame CPU (NewFrame + view + Render), target 4 ms", view_ms, 4);
    report("whole iteration CPU (+ GL draw calls + swap)", whole_ms, 4);
  };
  steady("counts, mouse outside", ImVec2(-FLT_MAX, -FLT_MAX));
  {
    const auto& h = v.drawn_heatmaps()[0];
    steady("counts, mouse over a cell (tooltip)", ImVec2((h.x0 + h.x1) / 2, (h.y0 + h.y1) / 2));
  }
  v.confusion().normalize = cm_normalize::true_rows;
  steady("normalized by true class", ImVec2(-FLT_MAX, -FLT_MAX));
  v.confusion().normalize = cm_normalize::none;
  v.confusion().diff = true;
  for (int i = 0; i < 200 && !v.ready(); ++i) win.frame(v);
  steady("difference of two runs (A, B, B - A)", ImVec2(-FLT_MAX, -FLT_MAX));
  v.confusion().diff = false;

  // The step slider over all 100 logged steps: each new step is a body the loader thread reads
  // while the frame goes on drawing the previous matrix. A fast drag (one step a frame), then
  // a slower one (one step every 4 frames, ~15 steps a second at 60 fps); each starts from the
  // first step, so most bodies are read during the drag.
  for (int frames_per_step : {1, 4}) {
    v.confusion().step = 0;
    for (int i = 0; i < 100; ++i) win.frame(v);  // settle at step 0
    std::vector<double> view_ms, wall_ms;
    int exact = 0, held = 0, blank = 0, lag_frames = 0, max_lag = 0;
    std::int64_t max_step_lag = 0;  // in logged steps: how far the matrix drawn trails the slider
    for (int s = 1; s < 100; ++s)
      for (int f = 0; f < frames_per_step; ++f) {
        const std::int64_t asked = std::int64_t(s) * 100;
        v.confusion().step = asked;
        window::timing t = win.frame(v);
        view_ms.push_back(t.view_ms);
        wall_ms.push_back(t.wall_ms);
        if (v.drawn_heatmaps().empty()) {
          ++blank;
        } else if (v.drawn_heatmaps()[0].step == asked) {
          ++exact;
          lag_frames = 0;
        } else {
          ++held;
          max_lag = std::max(max_lag, ++lag_frames);
          max_step_lag = std::max(max_step_lag, (asked - v.drawn_heatmaps()[0].step) / 100);
        }
      }
    std::printf(
        "(c) step slider over 100 steps, %d frame%s a step: %d frames drew the step asked "
        "for, %d an earlier one (its body being read; at most %d frames in a row, at most "
        "%lld steps behind), %d no matrix\n",
        frames_per_step, frames_per_step > 1 ? "s" : "", exact, held, max_lag,
        static_cast<long long>(max_step_lag), blank);
    report("frame CPU (NewFrame + view + Render), target 4 ms", view_ms, 4);
    report("whole iteration wall", wall_ms, 16.7);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = (fs::temp_directory_path() / "tracker-bench-ui-views").string();
  int frames = 600;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--dir") && i + 1 < argc) {
      dir = argv[++i];
    } else if (!std::strcmp(argv[i], "--quick")) {
      frames = 100;
    } else {
      std::fprintf(stderr, "usage: bench_ui_views [--dir DIR] [--quick]\n");
      return 2;
    }
  }
  fs::create_directories(dir);
  std::printf("machine: %s, nproc %ld; load %s\n",
              tracker_bench::proc_field("/proc/cpuinfo", "model name").c_str(),
              sysconf(_SC_NPROCESSORS_ONLN), [] {
                static char buf[64] = {};
                FILE* f = std::fopen("/proc/loadavg", "r");
                if (f) {
                  if (!std::fgets(buf, sizeof buf, f)) buf[0] = 0;
                  std::fclose(f);
                }
                buf[std::strcspn(buf, "\n")] = 0;
                return buf;
              }());
  const std::string samples = make_samples_store(dir, 10000, 1000);
  const std::string confusion = make_confusion_store(dir, 100, 100);
  window win(1600, 1000);
  if (!win.win) {
    std::fprintf(stderr, "bench_ui_views: no OpenGL 3.3 window (run it under xvfb-run -a)\n");
    return 1;
  }
  std::printf("renderer: %s\n", reinterpret_cast<const char*>(glGetString(GL_RENDERER)));
  bench_samples(win, samples, frames);
  bench_confusion(win, confusion, frames / 3);
  return 0;
}
