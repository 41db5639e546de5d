{
  # Two targets: the pure C++ core as a static library (no N-API, no
  # exceptions; fuzzers and sanitizer builds link it alone) and the addon.
  "target_defaults": {
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++20"],
    "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter"],
    "xcode_settings": {
      "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
      "GCC_TREAT_WARNINGS_AS_ERRORS": "YES"
    }
  },
  "targets": [
    {
      "target_name": "bp_core",
      "type": "static_library",
      "cflags_cc": ["-fno-exceptions", "-fno-rtti", "-Wshadow", "-Wconversion"],
      "sources": [
        "native/core/copy.cc",
        "native/core/format.cc",
        "native/core/status.cc",
        "native/core/layout.cc",
        "native/core/negotiate.cc"
      ]
    },
    {
      "target_name": "buffer_protocol",
      "dependencies": ["bp_core", "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
      "defines": ["NAPI_VERSION=9"],
      "include_dirs": ["native/include"],
      "sources": [
        "native/binding/addon.cc",
        "native/binding/block.cc",
        "native/binding/c_api.cc",
        "native/binding/errors.cc",
        "native/binding/io.cc",
        "native/binding/convert.cc",
        "native/binding/core_functions.cc",
        "native/binding/native_region.cc",
        "native/binding/sigbus_guard.cc"
      ]
    }
  ]
}
