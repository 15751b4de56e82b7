# cmake/install.cmake -- what `cmake --install build [--prefix P]` puts
# where (docs/install.md). Included last by the top-level CMakeLists.txt,
# so it names targets (sonicflow, sonic_module), never source lists.
#
#   bin/sonicflow
#   <Lua C-module dir>/sonic.so          see SF_INSTALL_LUA_CMODDIR below
#   share/sonicflow/types/sonic.lua      LuaLS annotations
#   share/sonicflow/examples/            the example workflows and recipes
#   share/doc/sonicflow/                 README, docs/, copyright, changelog
#   share/man/man1/sonicflow.1.gz        generated from docs/cli.md
#   share/bash-completion/completions/sonicflow
#
# The Lua half of module sonic is compiled into both the binary and
# sonic.so (scripts/embed_lua.cmake), so no .lua file is installed for it:
# an installed module can never load a stale or foreign copy.

include(GNUInstallDirs)

# -DSF_MODULE_ONLY=ON (the LuaRocks build, sonicflow-*.rockspec): build and
# install sonic.so alone, into SF_INSTALL_LUA_CMODDIR. Every other target
# of this directory leaves `all`, whatever its name, so the rock compiles
# the sources once.
option(SF_MODULE_ONLY "build and install only sonic.so (LuaRocks)" OFF)
set(SF_INSTALL_LUA_CMODDIR "" CACHE STRING
    "where sonic.so goes (empty: the Lua 5.4 C-module dir of the prefix)")
if(SF_MODULE_ONLY)
  if(NOT TARGET sonic_module OR NOT SF_INSTALL_LUA_CMODDIR)
    message(FATAL_ERROR "SF_MODULE_ONLY needs sonic.so (liblua5.4-cjson) "
                        "and -DSF_INSTALL_LUA_CMODDIR=DIR")
  endif()
  get_property(sf_targets DIRECTORY ${PROJECT_SOURCE_DIR}
               PROPERTY BUILDSYSTEM_TARGETS)
  foreach(t IN LISTS sf_targets)
    if(NOT t STREQUAL "sonic_module")
      set_property(TARGET ${t} PROPERTY EXCLUDE_FROM_ALL ON)
    endif()
  endforeach()
  install(TARGETS sonic_module LIBRARY DESTINATION ${SF_INSTALL_LUA_CMODDIR})
  return()
endif()

# Directories made by the install are 0755 whatever the umask (Debian
# policy, and lintian's non-standard-dir-perm).
set(CMAKE_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
    WORLD_READ WORLD_EXECUTE)

set(SF_DOCDIR ${CMAKE_INSTALL_DATADIR}/doc/sonicflow)
set(SF_PKG_DEB_DIR ${CMAKE_CURRENT_LIST_DIR}/debian)

# --- the program ------------------------------------------------------------
install(TARGETS sonicflow RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# --- sonic.so, where stock lua5.4 looks without a package.cpath edit -------
# Debian's lua5.4 searches /usr/lib/<multiarch>/lua/5.4 (its pkg-config
# INSTALL_CMOD) and, under /usr/local, only /usr/local/lib/lua/5.4. Which
# one applies is known only at install time (`--prefix`, or CPack staging
# under .../usr), so the install script picks it from the prefix it runs
# with. -DSF_INSTALL_LUA_CMODDIR=DIR (relative to the prefix, or absolute:
# LuaRocks passes its own) overrides the choice.
pkg_get_variable(SF_LUA_PC_CMOD lua5.4 INSTALL_CMOD)
pkg_get_variable(SF_LUA_PC_PREFIX lua5.4 prefix)
if(SF_LUA_PC_CMOD AND SF_LUA_PC_CMOD MATCHES "^${SF_LUA_PC_PREFIX}/(.+)$")
  set(SF_LUA_SYSTEM_CMOD ${CMAKE_MATCH_1})      # lib/x86_64-linux-gnu/lua/5.4
else()
  set(SF_LUA_SYSTEM_CMOD ${CMAKE_INSTALL_LIBDIR}/lua/5.4)
endif()
if(TARGET sonic_module)
  if(SF_INSTALL_LUA_CMODDIR)
    install(TARGETS sonic_module LIBRARY DESTINATION ${SF_INSTALL_LUA_CMODDIR})
  else()
    install(CODE "
      if(CMAKE_INSTALL_PREFIX MATCHES \"(^|/)usr/?$\")
        set(SF_LUA_CMODDIR \"${SF_LUA_SYSTEM_CMOD}\")
      else()
        set(SF_LUA_CMODDIR \"lib/lua/5.4\")   # upstream Lua's layout
      endif()")
    # \${SF_LUA_CMODDIR} is expanded when cmake_install.cmake runs
    install(TARGETS sonic_module LIBRARY DESTINATION "\${SF_LUA_CMODDIR}")
  endif()
endif()

# --- editor stubs and examples ---------------------------------------------
install(FILES ${PROJECT_SOURCE_DIR}/scripts/types/sonic.lua
        DESTINATION ${CMAKE_INSTALL_DATADIR}/sonicflow/types)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/scripts/examples/
        DESTINATION ${CMAKE_INSTALL_DATADIR}/sonicflow/examples
        FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

# --- documentation -----------------------------------------------------------
file(GLOB SF_DOC_FILES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/*.md
     ${PROJECT_SOURCE_DIR}/docs/*.svg)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${SF_DOC_FILES}
              ${SF_PKG_DEB_DIR}/copyright
        DESTINATION ${SF_DOCDIR})

# The man page, and the changelog a Debian package must carry, are built
# and gzipped (-9n: no name or time stamp, so builds are reproducible).
find_program(SF_LUA_INTERPRETER NAMES lua5.4 lua5.3)
find_program(SF_GZIP gzip REQUIRED)
set(SF_MAN ${CMAKE_CURRENT_BINARY_DIR}/sonicflow.1)
set(SF_CHANGELOG ${CMAKE_CURRENT_BINARY_DIR}/changelog)
set(SF_DEB_MAINTAINER "sonicflow maintainers <maintainers@sonicflow.invalid>"
    CACHE STRING "the .deb's Maintainer and the changelog's signer")
configure_file(${SF_PKG_DEB_DIR}/changelog.in ${SF_CHANGELOG} @ONLY)
add_custom_command(
  OUTPUT ${SF_CHANGELOG}.gz
  COMMAND ${SF_GZIP} -9nfk ${SF_CHANGELOG}
  DEPENDS ${SF_CHANGELOG})
set(SF_DOC_OUTPUTS ${SF_CHANGELOG}.gz)
install(FILES ${SF_CHANGELOG}.gz DESTINATION ${SF_DOCDIR})
if(SF_LUA_INTERPRETER)
  add_custom_command(
    OUTPUT ${SF_MAN} ${SF_MAN}.gz
    COMMAND ${SF_LUA_INTERPRETER} ${CMAKE_CURRENT_LIST_DIR}/md2man.lua
            ${SF_MAN} ${PROJECT_VERSION} ${PROJECT_SOURCE_DIR}/docs/cli.md
    COMMAND ${SF_GZIP} -9nfk ${SF_MAN}
    DEPENDS ${CMAKE_CURRENT_LIST_DIR}/md2man.lua
            ${PROJECT_SOURCE_DIR}/docs/cli.md
            ${PROJECT_SOURCE_DIR}/docs/sandbox.md
    COMMENT "Generating sonicflow(1) from docs/cli.md")
  list(APPEND SF_DOC_OUTPUTS ${SF_MAN}.gz)
  install(FILES ${SF_MAN}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(WARNING "install: no lua5.4 interpreter: the man page is not "
                  "built (apt-get install lua5.4)")
endif()
add_custom_target(sonicflow_docs ALL DEPENDS ${SF_DOC_OUTPUTS})

# --- bash completion ---------------------------------------------------------
# bash-completion loads completions/<command> on first use from every
# XDG_DATA_DIRS entry, so a prefix-relative path works for /usr, /usr/local
# and any prefix on that list.
install(FILES ${PROJECT_SOURCE_DIR}/scripts/completion/sonicflow.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME sonicflow)

# --- the .deb: cpack -G DEB ---------------------------------------------------
include(${CMAKE_CURRENT_LIST_DIR}/package.cmake)
