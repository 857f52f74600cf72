// window.cpp — GLFW window, OpenGL 3 renderer, frame loop and the screenshot writer.
#include "app/window.hpp"

#include "model/loader.hpp"
#include "views/viewer.hpp"
#include "widgets/texture.hpp"
#include "widgets/theme.hpp"

#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>
#include <stb_image_write.h>

#define GLFW_INCLUDE_NONE
#include <GL/gl.h>
#include <GLFW/glfw3.h>

#include <nlohmann/json.hpp>

#include <cfloat>
#include <fstream>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace tracker::ui {

namespace {

void glfw_error(int code, const char* text) {
  std::fprintf(stderr, "tracker-ui: GLFW error %d: %s\n", code, text);
}

// Reads the back buffer (call before glfwSwapBuffers) and writes it as a PNG, top row first.
bool write_png(const std::string& path, int w, int h) {
  std::vector<unsigned char> px(std::size_t(w) * std::size_t(h) * 4);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, px.data());
  for (std::size_t i = 3; i < px.size(); i += 4) px[i] = 255;  // opaque, whatever GL left in alpha
  stbi_flip_vertically_on_write(1);
  return stbi_write_png(path.c_str(), w, h, 4, px.data(), w * 4) != 0;
}

// The drawn charts' geometry, so a test can tell where a known line must be in the PNG.
bool write_layout(const std::string& path, const viewer& view, int w, int h) {
  nlohmann::json j;
  j["width"] = w;
  j["height"] = h;
  j["charts"] = nlohmann::json::array();
  for (const auto& c : view.drawn_charts())
    j["charts"].push_back(
        {{"key", c.key},
         {"lines", c.lines},
         {"plot",
          {c.result.plot_min_x, c.result.plot_min_y, c.result.plot_max_x, c.result.plot_max_y}},
         {"x", {c.result.x0, c.result.x1}},
         {"y", {c.result.y0, c.result.y1}}});
  j["heatmaps"] = nlohmann::json::array();
  for (const auto& m : view.drawn_heatmaps())
    j["heatmaps"].push_back({{"title", m.title}, {"k", m.k}, {"cells", {m.x0, m.y0, m.x1, m.y1}}});
  j["images"] = nlohmann::json::array();
  for (const auto& m : view.drawn_images())
    j["images"].push_back(
        {{"path", m.path}, {"pixels", m.pixels}, {"box", {m.x0, m.y0, m.x1, m.y1}}});
  j["samples"] = view.shown_samples();
  j["ridges"] = view.drawn_ridges();
  j["parallel"] = {{"axes", view.drawn_parallel().first}, {"lines", view.drawn_parallel().second}};
  j["compare_config_keys"] = view.compared_config_keys();
  const auto& pd = view.drawn_production_view();
  j["production"] = {{"rows", nlohmann::json::array()},
                     {"feature", pd.feature},
                     {"overlay", pd.overlay},
                     {"flagged", pd.flagged},
                     {"window", pd.window},
                     {"current_rows", pd.current_rows}};
  for (const auto& r : pd.rows)
    j["production"]["rows"].push_back(
        {{"name", r.name}, {"drifted", r.drifted}, {"box", {r.x0, r.y0, r.x1, r.y1}}});
  std::ofstream out(path);
  out << j.dump(2) << '\n';
  return bool(out);
}

}  // namespace

int run_window(const app_options& opts) {
  const bool screenshot = !opts.screenshot.empty();
  glfwSetErrorCallback(glfw_error);
  if (!glfwInit()) {
    std::fprintf(stderr,
                 "tracker-ui: cannot open a window (no display?). Without a display, use\n"
                 "  xvfb-run -a tracker-ui --screenshot FILE.png --view runs\n");
    return 1;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
  if (screenshot) glfwWindowHint(GLFW_RESIZABLE, GLFW_FALSE);
  std::string title = "tracker-ui — " + opts.store;
  GLFWwindow* win = glfwCreateWindow(opts.width, opts.height, title.c_str(), nullptr, nullptr);
  if (!win) {
    std::fprintf(stderr, "tracker-ui: cannot create an OpenGL 3.3 window\n");
    glfwTerminate();
    return 1;
  }
  glfwMakeContextCurrent(win);
  glfwSwapInterval(screenshot ? 0 : 1);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // never write imgui.ini into the user's directory
  io.ConfigFlags |= ImGuiConfigFlags_NavEnableKeyboard;
  widgets::apply_theme(16.0f);
  ImGui_ImplGlfw_InitForOpenGL(win, !screenshot);
  ImGui_ImplOpenGL3_Init("#version 330 core");
  // Thumbnails (samples view): RGBA pixels from the image cache become GL textures here, so
  // the views never include GL.
  widgets::set_texture_backend(
      {[](int w, int h, const unsigned char* rgba) -> ImTextureID {
         GLuint tex = 0;
         glGenTextures(1, &tex);
         glBindTexture(GL_TEXTURE_2D, tex);
         glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
         glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
         glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
         glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
         glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
         glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, w, h, 0, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
         return reinterpret_cast<ImTextureID>(static_cast<std::uintptr_t>(tex));
       },
       [](ImTextureID id) {
         GLuint tex = static_cast<GLuint>(reinterpret_cast<std::uintptr_t>(id));
         glDeleteTextures(1, &tex);
       }});

  int exit_code = 0;
  {
    loader data(opts.store);
    data.on_publish([] { glfwPostEmptyEvent(); });  // wake the idle loop when data arrives
    viewer view(data, opts);
    const auto start = std::chrono::steady_clock::now();
    std::uint64_t drawn_generation = 0;
    // Screenshot mode ignores the pointer; TRACKER_UI_SCREENSHOT_MOUSE="X,Y" places it (to
    // picture the hover crosshair and tooltip in docs and tests).
    ImVec2 screenshot_mouse(-FLT_MAX, -FLT_MAX);
    if (const char* m = std::getenv("TRACKER_UI_SCREENSHOT_MOUSE"); m && screenshot) {
      float mx = 0, my = 0;
      if (std::sscanf(m, "%f,%f", &mx, &my) == 2) screenshot_mouse = ImVec2(mx, my);
    }
    int busy_frames = 2;  // ImGui settles hover and layout over a frame or two after an event
    while (!glfwWindowShouldClose(win)) {
      if (screenshot) {
        glfwPollEvents();
      } else {
        // Idle costs nothing: sleep until an event, new data or the next animation frame.
        auto generation = data.latest()->generation;
        if (busy_frames > 0 || generation != drawn_generation) {
          glfwPollEvents();
          busy_frames = std::max(0, busy_frames - 1);
        } else {
          if (view.animating() || io.WantTextInput)
            glfwWaitEventsTimeout(1.0 / 20.0);
          else
            glfwWaitEvents();  // input, or the loader's glfwPostEmptyEvent
          busy_frames = 1;     // whatever woke us, draw one more frame for ImGui to settle
        }
        drawn_generation = generation;
        if (io.MouseDown[0] || io.MouseDown[1] || io.MouseWheel != 0) busy_frames = 2;
      }
      ImGui_ImplOpenGL3_NewFrame();
      ImGui_ImplGlfw_NewFrame();
      if (screenshot) io.MousePos = screenshot_mouse;  // no stray hover in pictures
      ImGui::NewFrame();
      view.frame();
      ImGui::Render();
      int fw = 0, fh = 0;
      glfwGetFramebufferSize(win, &fw, &fh);
      glViewport(0, 0, fw, fh);
      glClearColor(0.067f, 0.071f, 0.086f, 1.0f);
      glClear(GL_COLOR_BUFFER_BIT);
      ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());

      if (screenshot) {
        auto snap = data.latest();
        if (!snap->loaded && !snap->error.empty()) {
          std::fprintf(stderr, "tracker-ui: %s\n", snap->error.c_str());
          exit_code = 2;
          break;
        }
        if (!view.fatal_error().empty()) {
          std::fprintf(stderr, "tracker-ui: %s\n", view.fatal_error().c_str());
          exit_code = 2;
          break;
        }
        if (view.ready()) {
          if (!write_png(opts.screenshot, fw, fh)) {
            std::fprintf(stderr, "tracker-ui: cannot write %s\n", opts.screenshot.c_str());
            exit_code = 2;
          }
          if (!opts.layout.empty() && !write_layout(opts.layout, view, fw, fh)) {
            std::fprintf(stderr, "tracker-ui: cannot write %s\n", opts.layout.c_str());
            exit_code = 2;
          }
          break;
        }
        if (std::chrono::steady_clock::now() - start > std::chrono::seconds(60)) {
          std::fprintf(stderr, "tracker-ui: timed out after 60 s waiting for the data to load\n");
          exit_code = 1;
          break;
        }
      }
      glfwSwapBuffers(win);
    }
  }
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(win);
  glfwTerminate();
  return exit_code;
}

}  // namespace tracker::ui
