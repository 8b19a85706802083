#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
":" '''\'
# This header is both POSIX sh and Python; to Python it is one string. Run as a program, /bin/sh
# reads it first and either execs the command itself (the fast path: nothing to load) or execs
# python3 on this file in isolated mode (-I: the function's PYTHONPATH and PYTHON* variables cannot
# change what runs; -S: no site-packages scan, a faster start; -B: write no bytecode next to the
# file). Python then runs this file through the import system's loader, which takes the bytecode
# that build_layer.sh ships in __pycache__/ when it matches this interpreter and this exact source
# (a hash-checked .pyc), and compiles the source otherwise, which costs every start tens of
# milliseconds of CPU (docs/performance.md#sizes).
#
# The promise: the command gets exactly the environment the wrapper was given, plus what was
# loaded, minus the references resolved, on either path. Neither the shell nor CPython keeps it:
# - dash imports only names that are shell identifiers: `db.password=ssm:/x` never reaches its
#   variables, nor anything it execs; bash passes such names on. Both keep the last of a name
#   given twice (getenv, and so every runtime, reads the first) and drop entries without a name.
# - Both set PWD to the working directory (adding it when absent), bash adds or renumbers SHLVL
#   and drops `_`; imported IFS, OPTIND, PPID (both) and bash's own variables (BASH*, RANDOM,
#   SHELLOPTS, PS1...) leave with new values. bash's `export -p` writes $'...\n' for control
#   characters, which is why it cannot be the judge of what is to load.
# - CPython's C-locale coercion (PEP 538) sets LC_CTYPE=C.UTF-8 when the locale is C or missing;
#   -I cannot stop it (PYTHONCOERCECLOCALE is an environment variable, ignored under -I).
# So the shell decides from /proc/$$/environ: the kernel's copy of the environment this process
# was exec'd with (proc(5)), which no shell edits. One `tr` turns its NULs into lines (~1 ms; a
# Python start is ~12 ms). The fast path is taken only when every entry is NAME=value with an
# identifier seen once, no value asks for a load (one starting with ssm: or secretsmanager: --
# case-sensitive, as settings.py reads them), no name starts with SSM_ENV_, APP_ or
# AWS_ENDPOINT_URL in any case (the settings that ask for a load, and the misspelt ones Python
# refuses or warns about, such as ssm_env_paths or APP_PARAM_PATH: settings_table.py) other than
# APP_ENV and the three endpoint variables spelt right, which load nothing alone (Lambda sets
# none of these names itself, so an unconfigured function keeps this path), AWS_MAX_ATTEMPTS
# (which Python validates) is plainly valid, and no name is one a shell manages, other than PWD,
# SHLVL and `_`:
# those three are put back as given by `env -u NAME... -- NAME=given... COMMAND` (their values
# are paths and a number; no other value ever goes on a command line, where ps and audit logs
# would see it). `tr` writes \2 for a line break inside an entry, so that a value holding one
# (`x<LF>PWD=/evil`) cannot pass for an entry of its own: such a value, a \2, and any other
# doubt (no /proc, no tr or env, a command the shell cannot find, a large environment) goes to
# Python. Python is handed the same /proc/$$/environ in base64 on a spare descriptor, through a
# here-document (never in variables: with the environment itself that would be twice its size
# for execve, whose limit is ARG_MAX; never on argv, which ps and audit logs see), and restores
# os.environ from it before it reads any setting: it sees and passes on what the shell dropped
# or changed, and drops its own LC_CTYPE. It must be this copy: once Python runs, its own
# /proc/self/environ is what the shell exec'd it with, already changed. An entry that is not
# NAME=value cannot be passed on by anything that sets variables by name: the wrapper then
# stops with one line. Without /proc or base64 (not Linux), or with descriptors 3 to 9 all
# taken, Python gets "-" and works from the environment the shell passed on.
# bash imports functions from the environment (BASH_FUNC_NAME%%=...), as sh too: a `tr` or a
# `command` of the caller's would decide for the launcher. As sh (POSIX mode, /bin/sh on Amazon
# Linux) no function can replace a special builtin (`:` above, `unset`); the commands used below
# are made the shell's or PATH's own again. (bash run by name, outside POSIX mode, also runs
# $BASH_ENV first: the environment is then the caller's to trust, as it is for any script.)
unset -f tr printf base64 command test env python3 2>/dev/null
case "$1" in
    -* | check | export | policy | help | "" | *=*) ;;
    *)
        # The usual settings are plain identifiers the shell has imported: when one is set the
        # answer is Python, known without the `tr` (one process fewer on a configured start).
        if [ -z "${APP_PARAMS_PATH+1}${SSM_ENV_PATHS+1}${SSM_ENV_NAMES+1}" ] \
                && [ -z "${SSM_ENV_JSON_NAMES+1}" ] \
                && _ssm_env_given=$(tr '\n\0' '\2\n' 2>/dev/null < /proc/$$/environ \
                                    && printf '\2.') \
                && [ -x /usr/bin/env ] && [ "${#_ssm_env_given}" -le 65536 ]; then
            # The last two characters are the mark (\2, which tr wrote for each line break in an
            # entry) and a dot (command substitution keeps no trailing line break without it).
            _ssm_env_mark=${_ssm_env_given%.}
            _ssm_env_mark=${_ssm_env_mark#"${_ssm_env_mark%?}"}
            _ssm_env_given=${_ssm_env_given%??}
            case $_ssm_env_given in
                "
"* | *"

"* | *"$_ssm_env_mark"*) ;;
                *)
                    _ssm_env_fast=1 _ssm_env_keep= _ssm_env_seen='
'
                    IFS='
'
                    set -f
                    for _ssm_env_entry in $_ssm_env_given; do
                        _ssm_env_name=${_ssm_env_entry%%=*}
                        case $_ssm_env_name in
                            "$_ssm_env_entry" | "" | [!A-Za-z_]* | *[!A-Za-z0-9_]* \
                            | [Ss][Ss][Mm]_[Ee][Nn][Vv]_* | _ssm_env_* \
                            | IFS | PS[0-9] | OPT* | PPID | OLDPWD | SHELLOPTS | BASH* | COMP_* \
                            | HIST* | RANDOM | SRANDOM | SECONDS | LINENO | EPOCH* | UID | EUID \
                            | GROUPS | FUNCNAME | FUNCNEST | DIRSTACK | PIPESTATUS | REPLY \
                            | COLUMNS | LINES | MAIL* | ENV | POSIXLY_CORRECT | HOSTNAME \
                            | HOSTTYPE | MACHTYPE | OSTYPE | TIMEFORMAT | TMOUT | IGNOREEOF \
                            | GLOBIGNORE | GLOBSORT | READLINE_* | CHILD_MAX | COPROC* | MAPFILE \
                            | EMACS | INSIDE_EMACS | EXECIGNORE | FIGNORE | HOSTFILE | INPUTRC \
                            | FCEDIT | CDPATH | histchars)
                                _ssm_env_fast= ; break ;;
                            APP_ENV | AWS_ENDPOINT_URL | AWS_ENDPOINT_URL_SSM \
                            | AWS_ENDPOINT_URL_SECRETS_MANAGER) ;;
                            [Aa][Pp][Pp]_* \
                            | [Aa][Ww][Ss]_[Ee][Nn][Dd][Pp][Oo][Ii][Nn][Tt]_[Uu][Rr][Ll]*)
                                _ssm_env_fast= ; break ;;
                            AWS_MAX_ATTEMPTS)
                                case ${_ssm_env_entry#*=} in
                                    [1-9] | [1-9][0-9] | 100) ;;
                                    *) _ssm_env_fast= ; break ;;
                                esac ;;
                            PWD | SHLVL | _) _ssm_env_keep="$_ssm_env_keep$_ssm_env_entry
" ;;
                        esac
                        # A reference: ssm: or (issue 14) secretsmanager:, case-sensitive.
                        case ${_ssm_env_entry#*=} in
                            ssm:* | secretsmanager:*) _ssm_env_fast= ; break ;;
                        esac
                        case $_ssm_env_seen in *"
$_ssm_env_name
"*) _ssm_env_fast= ; break ;; esac
                        _ssm_env_seen="$_ssm_env_seen$_ssm_env_name
"
                    done
                    if [ -n "$_ssm_env_fast" ]; then
                        case "$1" in
                            */*) if [ -f "$1" ] && [ -x "$1" ]; then
                                     exec /usr/bin/env -u PWD -u SHLVL -u _ -- $_ssm_env_keep "$@"
                                 fi ;;
                            *) case "$(command -v -- "$1")" in
                                   /*) exec /usr/bin/env -u PWD -u SHLVL -u _ -- \
                                           $_ssm_env_keep "$@" ;;
                               esac ;;
                        esac
                    fi ;;
            esac
        fi ;;
esac
# The handover: /proc/$$/environ in base64 through a here-document on a descriptor no one
# else holds (the runtime may have been given some: Lambda's telemetry log descriptor), never in
# variables (the environment would then be there twice, and execve refuses what exceeds ARG_MAX).
_ssm_env_fd=-
if [ -r /proc/$$/environ ]; then
    for _ssm_env_fd in 9 8 7 6 5 4 3 -; do
        [ -e /proc/$$/fd/$_ssm_env_fd ] || break
    done
fi
if [ "$_ssm_env_fd" = - ] || ! _ssm_env_given=$(base64 2>/dev/null < /proc/$$/environ); then
    _ssm_env_fd=- _ssm_env_given=
fi
_ssm_env_code='import sys
from importlib.machinery import SourceFileLoader


def restore(argv):
    """Put the environment as given (see the comments above) back into os.environ."""
    import os
    fd = argv.pop(2)
    del argv[0]
    if fd == "-":
        return
    import binascii
    environ = os.environb
    with open(int(fd), "rb") as handover:  # closed: the runtime inherits no descriptor of ours
        given_bytes = binascii.a2b_base64(handover.read())
    given = {}
    for entry in given_bytes.split(bytes(1))[:-1]:
        name, equals, value = entry.partition(b"=")
        if not (name and equals):
            sys.exit("ssm-env-wrapper: the environment holds an entry that is not NAME=value, "
                     "which cannot be passed on; start the wrapper with a clean environment")
        given.setdefault(name, value)  # the first, as getenv reads it
    for name in [name for name in environ if name not in given]:
        del environ[name]
    for name, value in given.items():
        if environ.get(name) != value:
            environ[name] = value


restore(sys.argv)
del restore
main = sys.modules["__main__"]
main.__file__ = sys.argv[0]
exec(SourceFileLoader("__main__", sys.argv[0]).get_code("__main__"), main.__dict__)'
# The here-document goes through eval: a redirection's descriptor is a literal in the source.
# What eval reads is this fixed text and a digit; the here-document brings in base64
# (A-Za-z0-9+/= and line breaks), which no expansion changes.
_ssm_env_here=
if [ "$_ssm_env_fd" != - ]; then
    _ssm_env_here="$_ssm_env_fd"'<<_ssm_env_end
$_ssm_env_given
_ssm_env_end
'
fi
eval 'exec python3 -I -S -B -c "$_ssm_env_code" "$0" "$_ssm_env_fd" "$@" '"$_ssm_env_here"
'''
