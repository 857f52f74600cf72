// theme.cpp — dark theme (near-black panels, muted blue accents) and fonts.
#include "widgets/theme.hpp"

#include <filesystem>

namespace tracker::ui::widgets {

const theme_colors& colors() {
  static const theme_colors c{
      IM_COL32(225, 228, 234, 255),       // text
      IM_COL32(150, 156, 168, 255),       // text_dim
      IM_COL32(30, 32, 38, 255),          // chart_bg
      IM_COL32(22, 24, 29, 255),          // plot_bg
      IM_COL32(58, 62, 72, 255),          // plot_border
      IM_COL32(48, 52, 61, 255),          // grid
      IM_COL32(200, 200, 210, 120),       // crosshair
      IM_COL32(110, 150, 230, 50),        // box_fill
      IM_COL32(110, 150, 230, 200),       // box_border
      ImVec4(0.35f, 0.80f, 0.98f, 1.0f),  // running: cyan
      ImVec4(0.45f, 0.82f, 0.45f, 1.0f),  // finished: green
      ImVec4(0.96f, 0.36f, 0.36f, 1.0f),  // failed: red
      ImVec4(1.00f, 0.55f, 0.20f, 1.0f),  // crashed: orange
      ImVec4(0.85f, 0.55f, 0.95f, 1.0f),  // killed: violet
      ImVec4(1.00f, 0.45f, 0.42f, 1.0f),  // error text
  };
  return c;
}

void apply_theme(float font_px) {
  ImGuiIO& io = ImGui::GetIO();
  const char* candidates[] = {"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                              "/usr/share/fonts/TTF/DejaVuSans.ttf"};
  bool loaded = false;
  for (const char* path : candidates) {
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) {
      ImFontConfig cfg;
      cfg.OversampleH = 2;
      cfg.OversampleV = 1;
      static const ImWchar ranges[] = {0x0020, 0x00FF, 0x2013, 0x2014, 0x2022, 0x2022,
                                       0x2026, 0x2026, 0x2190, 0x2193, 0x25A0, 0x25A0,
                                       0x25B2, 0x25BC, 0x25CF, 0x25CF, 0};
      if (io.Fonts->AddFontFromFileTTF(path, font_px, &cfg, ranges)) {
        loaded = true;
        break;
      }
    }
  }
  if (!loaded) {
    ImFontConfig cfg;
    cfg.SizePixels = 13.0f * font_px / 16.0f;
    io.Fonts->AddFontDefault(&cfg);
  }

  ImGui::StyleColorsDark();
  ImGuiStyle& s = ImGui::GetStyle();
  s.WindowPadding = ImVec2(12, 10);
  s.FramePadding = ImVec2(8, 5);
  s.ItemSpacing = ImVec2(10, 7);
  s.ItemInnerSpacing = ImVec2(6, 5);
  s.CellPadding = ImVec2(7, 4);
  s.ScrollbarSize = 14;
  s.GrabMinSize = 12;
  s.WindowRounding = 0;
  s.ChildRounding = 4;
  s.FrameRounding = 4;
  s.PopupRounding = 4;
  s.ScrollbarRounding = 6;
  s.GrabRounding = 4;
  s.TabRounding = 4;
  s.WindowBorderSize = 0;
  s.FrameBorderSize = 0;

  ImVec4* c = s.Colors;
  auto rgb = [](int r, int g, int b, float a = 1.0f) {
    return ImVec4(r / 255.f, g / 255.f, b / 255.f, a);
  };
  c[ImGuiCol_Text] = rgb(225, 228, 234);
  c[ImGuiCol_TextDisabled] = rgb(130, 136, 148);
  c[ImGuiCol_WindowBg] = rgb(17, 18, 22);
  c[ImGuiCol_ChildBg] = rgb(21, 23, 28);
  c[ImGuiCol_PopupBg] = rgb(28, 30, 36, 0.98f);
  c[ImGuiCol_Border] = rgb(50, 54, 63);
  c[ImGuiCol_FrameBg] = rgb(33, 36, 43);
  c[ImGuiCol_FrameBgHovered] = rgb(42, 46, 55);
  c[ImGuiCol_FrameBgActive] = rgb(50, 55, 66);
  c[ImGuiCol_TitleBg] = rgb(17, 18, 22);
  c[ImGuiCol_TitleBgActive] = rgb(24, 26, 31);
  c[ImGuiCol_MenuBarBg] = rgb(22, 24, 29);
  c[ImGuiCol_ScrollbarBg] = rgb(17, 18, 22);
  c[ImGuiCol_ScrollbarGrab] = rgb(55, 60, 70);
  c[ImGuiCol_CheckMark] = rgb(110, 165, 255);
  c[ImGuiCol_SliderGrab] = rgb(90, 140, 235);
  c[ImGuiCol_SliderGrabActive] = rgb(120, 165, 255);
  c[ImGuiCol_Button] = rgb(38, 42, 50);
  c[ImGuiCol_ButtonHovered] = rgb(52, 58, 70);
  c[ImGuiCol_ButtonActive] = rgb(64, 92, 150);
  c[ImGuiCol_Header] = rgb(44, 66, 110, 0.85f);
  c[ImGuiCol_HeaderHovered] = rgb(52, 78, 128, 0.85f);
  c[ImGuiCol_HeaderActive] = rgb(60, 90, 150);
  c[ImGuiCol_Separator] = rgb(45, 49, 58);
  c[ImGuiCol_Tab] = rgb(24, 26, 31);
  c[ImGuiCol_TabHovered] = rgb(52, 78, 128);
  c[ImGuiCol_TabActive] = rgb(40, 60, 100);
  c[ImGuiCol_TabUnfocused] = rgb(24, 26, 31);
  c[ImGuiCol_TabUnfocusedActive] = rgb(36, 50, 80);
  c[ImGuiCol_TableHeaderBg] = rgb(28, 30, 36);
  c[ImGuiCol_TableBorderStrong] = rgb(50, 54, 63);
  c[ImGuiCol_TableBorderLight] = rgb(36, 39, 46);
  c[ImGuiCol_TableRowBg] = rgb(0, 0, 0, 0);
  c[ImGuiCol_TableRowBgAlt] = rgb(255, 255, 255, 0.025f);
  c[ImGuiCol_TextSelectedBg] = rgb(70, 110, 190, 0.5f);
}

}  // namespace tracker::ui::widgets
