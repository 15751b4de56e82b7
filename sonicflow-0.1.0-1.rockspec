-- LuaRocks: `luarocks --lua-version 5.4 make` in this checkout builds
-- sonic.so against the system's libcurl, SQLite, libmicrohttpd, LAME and
-- lua-cjson (Debian packages, found by pkg-config as in every build) and
-- installs it into the rock tree, so `require "sonic"` works from lua5.4.
-- The build is the project's own CMake build with -DSF_MODULE_ONLY=ON
-- (cmake/install.cmake): one list of sources, nothing to keep in step.
-- The version must be the one of project() in CMakeLists.txt (the test
-- install_luarocks checks it).
rockspec_format = "3.0"
package = "sonicflow"
version = "0.1.0-1"
source = {
  url = "git+file://.",   -- built from the checkout; no release is published
}
description = {
  summary = "Module sonic: Lua 5.4 workflows for MusicAPI's sonic service",
  detailed = [[
    require "sonic" gives the sonicflow API (create, cover, extend, stems,
    wait, download, spawn, all, ...) to the stock Lua 5.4 interpreter;
    sonic.run(fn) drives the event loop. With no API key it runs against
    a built-in emulator of the service.]],
  license = "none chosen yet",
}
dependencies = {
  "lua >= 5.4, < 5.5",
}
external_dependencies = {
  CURL = { library = "curl" },     -- its header is under a multiarch dir
  SQLITE3 = { header = "sqlite3.h", library = "sqlite3" },
  MICROHTTPD = { header = "microhttpd.h", library = "microhttpd" },
  LAME = { header = "lame/lame.h", library = "mp3lame" },
  JPEG = { header = "jpeglib.h", library = "jpeg" },
  CJSON = { library = "lua5.4-cjson" },
}
build = {
  type = "cmake",
  variables = {
    CMAKE_BUILD_TYPE = "Release",
    CMAKE_INSTALL_PREFIX = "$(PREFIX)",
    SF_MODULE_ONLY = "ON",
    SF_BUILD_TESTS = "OFF",
    SF_INSTALL_LUA_CMODDIR = "$(LIBDIR)",
  },
}
