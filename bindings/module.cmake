# sonic.so: module "sonic" for the stock Lua 5.4 interpreter
# (`require "sonic"`, then `sonic.run(function() ... end)`; bindings/module.c).
#
# Included by the top-level CMakeLists.txt after the static libraries are
# defined. Those are built without -fPIC, so the module compiles the same
# sources again as position-independent code instead of linking them.
#
# Liblua is NOT linked: the interpreter that loads the module provides the
# Lua API (Debian's lua5.4 exports it). Linking PkgConfig::LUA or
# PkgConfig::CJSON (whose .pc requires lua5.4) would load a second copy of
# Lua into the process, so only their include directories are used, and
# lua-cjson is linked by file.

find_library(SF_CJSON_LIBRARY NAMES lua5.4-cjson)
if(NOT SF_CJSON_LIBRARY)
  message(STATUS "sonic.so: liblua5.4-cjson not found; module not built")
  return()
endif()

# SF_BINDING_SOURCES (bindings/*.c) includes module.c and its luaopen_sonic.
add_library(sonic_module MODULE
  ${SF_CORE_SOURCES}
  runtime/sha256.c
  runtime/buf.c
  ${SF_BINDING_SOURCES}
  ${SF_EMBED_C}
  ${SF_SANDBOX_SOURCES}
  ${SF_SYNTH_SOURCES}
  ${SF_ANALYZE_SOURCES})
set_target_properties(sonic_module PROPERTIES
  OUTPUT_NAME sonic
  PREFIX ""
  POSITION_INDEPENDENT_CODE ON
  C_VISIBILITY_PRESET hidden)      # only luaopen_sonic is exported
target_include_directories(sonic_module PRIVATE
  bindings runtime runtime/report runtime/analyze runtime/sandbox runtime/sandbox/synth
  $<TARGET_PROPERTY:PkgConfig::LUA,INTERFACE_INCLUDE_DIRECTORIES>)
target_compile_definitions(sonic_module PRIVATE
  SF_VERSION="${PROJECT_VERSION}")
target_link_libraries(sonic_module PRIVATE
  ${SF_CJSON_LIBRARY} PkgConfig::CURL PkgConfig::SQLITE PkgConfig::MHD
  PkgConfig::LAME PkgConfig::JPEG PkgConfig::MPG123 PkgConfig::EBUR128
  Threads::Threads m)
# Never unloaded (-z nodelete): lua_close dlcloses the module, and with it
# the libraries it pulled in, which are not written to be unloaded and
# loaded again (curl_global_init is not meant to run twice). Unloaded,
# their globals read as leaks under LeakSanitizer; kept loaded, everything
# is as in `sonicflow run`.
target_link_options(sonic_module PRIVATE "LINKER:-z,nodelete")
