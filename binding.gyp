{
  # Two targets: the pure C++ core as a static library (no N-API, no
  # exceptions; fuzzers and sanitizer builds link it alone) and the addon.
  # Warnings are errors in CI (.ci/run sets BUFFER_PROTOCOL_WERROR=1), never
  # on a user's compiler: another compiler's new warning must not fail an
  # install.
  "variables": {
    "bp_werror%": "<!(node -p \"process.env.BUFFER_PROTOCOL_WERROR === '1' ? 1 : 0\")"
  },
  # Symbols are hidden: an addon exports only its N-API entry points (which
  # node_api.h marks visible), and the C API travels as a table through
  # JavaScript, never by symbol. Calls between the binding's files are then
  # direct instead of through the PLT, and nothing can interpose them.
  "target_defaults": {
    "cflags": ["-fvisibility=hidden"],
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++20"],
    "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter", "-fvisibility-inlines-hidden"],
    "xcode_settings": {
      "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
      "GCC_SYMBOLS_PRIVATE_EXTERN": "YES"
    },
    "conditions": [
      ["bp_werror==1", {
        "cflags_cc": ["-Werror"],
        "cflags_c": ["-Werror"],
        "xcode_settings": {"GCC_TREAT_WARNINGS_AS_ERRORS": "YES"}
      }]
    ]
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
        "native/core/negotiate.cc",
        "native/core/normalize.cc"
      ]
    },
    {
      "target_name": "buffer_protocol",
      "dependencies": ["bp_core", "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
      # A Worker's termination makes every napi_throw fail; without this,
      # node-addon-api rethrows as a C++ exception nobody catches (abort).
      "defines": ["NAPI_VERSION=9", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      # Binding includes are spelled from native/ ("core/layout.h",
      # "binding/memory/block.h"); the public header from native/include.
      "include_dirs": ["native/include", "native"],
      "sources": [
        "native/binding/addon.cc",
        "native/binding/convert.cc",
        "native/binding/core_functions.cc",
        "native/binding/errors.cc",
        "native/binding/c_api/arg_names.cc",
        "native/binding/c_api/get_buffer.cc",
        "native/binding/c_api/helpers.cc",
        "native/binding/c_api/install.cc",
        "native/binding/c_api/lend.cc",
        "native/binding/c_api/mirrored_layout.cc",
        "native/binding/c_api/own_exporters.cc",
        "native/binding/c_api/own_wraps.cc",
        "native/binding/c_api/state.cc",
        "native/binding/c_api/table.cc",
        "native/binding/c_api/via_facade.cc",
        "native/binding/c_api/view_mirror.cc",
        "native/binding/c_api/view_internal.cc",
        "native/binding/io/io.cc",
        "native/binding/io/transfer.cc",
        "native/binding/memory/backing_store_pin.cc",
        "native/binding/memory/block.cc",
        "native/binding/memory/external_buffer.cc",
        "native/binding/memory/lent_pointer.cc",
        "native/binding/memory/native_region.cc",
        "native/binding/memory/native_region_c_views.cc",
        "native/binding/memory/sigbus_guard.cc"
      ]
    },
    # Test fixtures (test/native): C clients of native/include/buffer_protocol.h
    # that reach the C API only through bp_import(). test/ is not in the npm
    # package, so each target builds nothing when its sources are missing.
    {
      "target_name": "bp_test_image_lib",
      "type": "none",
      "conditions": [
        ["<!(node -p \"+require('fs').existsSync('test/native/image/image.c')\")==1", {
          "type": "static_library",
          "sources": ["test/native/image/image.c"]
        }]
      ],
      "include_dirs": ["native/include"],
      "defines": ["NAPI_VERSION=9"],
      "cflags_c": ["-std=c11", "-Wall", "-Wextra"],
      "xcode_settings": {"GCC_C_LANGUAGE_STANDARD": "c11", "WARNING_CFLAGS": ["-Wall", "-Wextra"]},
      "msvs_settings": {"VCCLCompilerTool": {"AdditionalOptions": ["/std:c11"]}}
    },
    {
      "target_name": "bp_test_image",
      "type": "none",
      "conditions": [
        ["<!(node -p \"+require('fs').existsSync('test/native/image_addon.c')\")==1", {
          "type": "loadable_module",
          "dependencies": ["bp_test_image_lib"],
          "sources": ["test/native/image_addon.c"]
        }]
      ],
      "include_dirs": ["native/include"],
      "defines": ["NAPI_VERSION=9"],
      "cflags_c": ["-std=c11", "-Wall", "-Wextra"],
      "xcode_settings": {"GCC_C_LANGUAGE_STANDARD": "c11", "WARNING_CFLAGS": ["-Wall", "-Wextra"]},
      "msvs_settings": {"VCCLCompilerTool": {"AdditionalOptions": ["/std:c11"]}}
    },
    {
      "target_name": "bp_test_consumer",
      "type": "none",
      "conditions": [
        ["<!(node -p \"+require('fs').existsSync('test/native/consumer/module.c')\")==1", {
          "type": "loadable_module",
          # One file per concern; consumer.h says what they share.
          "sources": [
            "test/native/consumer/args.c",
            "test/native/consumer/bad_input.c",
            "test/native/consumer/bench.c",
            "test/native/consumer/consumers.c",
            "test/native/consumer/held.c",
            "test/native/consumer/module.c",
            "test/native/consumer/slots.c",
            "test/native/consumer/state.c",
            "test/native/consumer/views.c"
          ]
        }]
      ],
      "include_dirs": ["native/include"],
      "defines": ["NAPI_VERSION=9"],
      "cflags_c": ["-std=c11", "-Wall", "-Wextra"],
      "xcode_settings": {"GCC_C_LANGUAGE_STANDARD": "c11", "WARNING_CFLAGS": ["-Wall", "-Wextra"]},
      "msvs_settings": {"VCCLCompilerTool": {"AdditionalOptions": ["/std:c11"]}}
    }
  ]
}
