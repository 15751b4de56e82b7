# Bash completion for sonicflow(1): commands, their options, .lua scripts,
# files for FILE arguments, run ids for `resume` and `report`.
# Installed as share/bash-completion/completions/sonicflow, where
# bash-completion loads it on the first TAB after `sonicflow`.
#
# The commands and options are read from `sonicflow --help` and
# `sonicflow COMMAND --help` of the very binary being completed, so they
# can never drift from it (docs/cli.md is checked against the same text).

# The commands listed under "commands:" in `sonicflow --help`.
_sonicflow_commands() {
  "$1" --help 2>/dev/null | awk '
    /^commands:/ { on = 1; next }
    /^$/ { on = 0 }
    on && /^  [a-z-]/ { sub(",", "", $1); print $1 }'
}

# Every option that `sonicflow CMD --help` names.
_sonicflow_options() {
  "$1" "$2" --help 2>/dev/null |
    grep -oE -- '(^|[ ,[(])--?[a-zA-Z][a-zA-Z0-9-]*' | sed -E 's/^[ ,[(]//' |
    sort -u
}

# The argument name the help gives option $3 of command $2 (FILE, N, ...),
# or nothing when the option takes none.
_sonicflow_optarg() {
  "$1" "$2" --help 2>/dev/null | awk -v opt="$3" '
    { for (i = 1; i < NF; i++) {
        w = $i; sub(",$", "", w)
        if (w != opt) continue
        j = i + 1
        while (j < NF && $j ~ /^-/) j++     # "-o, --output FILE"
        if ($j ~ /^[A-Z][A-Z_:]*(\.[a-z]+)?$/) { print $j; exit }
      } }'
}

# Run ids of the journal (`sonicflow runs --json`).
_sonicflow_runs() {
  "$1" runs --json 2>/dev/null | grep -oE '"id": *"[^"]+"' |
    sed -E 's/.*"([^"]+)"$/\1/'
}

# COMPREPLY for files: .lua scripts (and directories) with $2 = lua.
_sonicflow_files() {
  local cur=$1 IFS=$'\n'
  if [[ ${2:-} == lua ]]; then
    COMPREPLY=($(compgen -d -S / -- "$cur") $(compgen -f -X '!*.lua' -- "$cur"))
    compopt -o nospace 2>/dev/null
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
  compopt -o filenames 2>/dev/null
}

_sonicflow() {
  local prog=${COMP_WORDS[0]} cur=${COMP_WORDS[COMP_CWORD]}
  local prev=${COMP_WORDS[COMP_CWORD - 1]} cmd="" i w argname
  COMPREPLY=()
  [[ $prog == "~/"* ]] && prog=$HOME/${prog#"~/"}
  if ((COMP_CWORD == 1)); then
    COMPREPLY=($(compgen -W "$(_sonicflow_commands "$prog") --help --version" \
                         -- "$cur"))
    return 0
  fi
  cmd=${COMP_WORDS[1]}
  case $cmd in help | --help | -h | --version) return 0 ;; esac

  # the argument of an option, from the name the help gives it
  if [[ $prev == -* ]]; then
    argname=$(_sonicflow_optarg "$prog" "$cmd" "$prev")
    case $argname in
      FILE | FILE.html | FILE.har) _sonicflow_files "$cur"; return 0 ;;
      ?*) return 0 ;;                   # a value (N, URL, ...): no guess
    esac
  fi
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$(_sonicflow_options "$prog" "$cmd")" -- "$cur"))
    return 0
  fi

  # the first word that is neither an option nor an option's argument
  local positional=0
  for ((i = 2; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    if [[ $w == -* ]]; then
      [[ -n $(_sonicflow_optarg "$prog" "$cmd" "$w") ]] && ((i++))
    else
      positional=$((positional + 1))
    fi
  done
  case $cmd in
    run)
      if ((positional == 0)); then _sonicflow_files "$cur" lua
      else _sonicflow_files "$cur"; fi ;;     # the script's own arguments
    resume | report)
      ((positional == 0)) &&
        COMPREPLY=($(compgen -W "$(_sonicflow_runs "$prog")" -- "$cur")) ;;
  esac
  return 0
}
complete -F _sonicflow sonicflow
