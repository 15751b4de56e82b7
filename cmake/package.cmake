# cmake/package.cmake -- `cpack -G DEB` (run in the build directory) makes
# sonicflow_<version>_<arch>.deb from the install rules of install.cmake
# (docs/install.md). Included after it by the top-level CMakeLists.txt.
#
# The package's dependencies are not listed here: dpkg-shlibdeps reads them
# off the installed ELF files (libcurl4, liblua5.4-0, libsqlite3-0, ...),
# so they follow whatever the build really links. lua5.4 is only
# suggested: sonic.so is for it, but sonicflow runs without it.

set(CPACK_PACKAGE_NAME sonicflow)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "the sonicflow authors")
set(CPACK_PACKAGE_CONTACT "${SF_DEB_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Lua 5.4 workflows for MusicAPI's sonic music service")
# CPack puts the summary first and indents every line below it; an empty
# line becomes the " ." paragraph break.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
"sonicflow runs plain sequential Lua scripts that create songs, cover them
in new styles, extend them, split them into stems and download the audio.
Every wait on the network or the clock yields, so one process drives many
such chains at once; every paid call is journaled so an interrupted run
resumes without paying twice.

With no API key it runs against a built-in emulator of the service that
serves real synthesized audio. The package also carries module sonic for
lua5.4, the manual page, bash completion, examples and editor stubs.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)      # never /usr/local in a .deb
set(CPACK_STRIP_FILES ON)
set(CPACK_GENERATOR DEB)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)       # sonicflow_0.1.0_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SECTION sound)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# dpkg-shlibdeps cannot see libaubio (dlopen'd by `analyze`): named here;
# shlibdeps appends what it finds to this list
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libaubio5 (>= 0.4.9)")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "lua5.4")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
