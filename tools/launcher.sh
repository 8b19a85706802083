#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
"true" '''\'
# This header is both POSIX sh and Python; to Python it is one string. Run as a program, /bin/sh
# reads it first and either execs the command itself (the fast path: nothing to load) or execs
# python3 on this file in isolated mode (-I: the function's PYTHONPATH and PYTHON* variables cannot
# change what runs; -S: no site-packages scan, a faster start; -B: write no bytecode next to the
# file). Python then runs this file through the import system's loader, which takes the bytecode
# that build_layer.sh ships in __pycache__/ when it matches this interpreter and this exact source
# (a hash-checked .pyc), and compiles the source otherwise: compiling costs ~20 ms a start.
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
# identifier seen once, none asks for a load (APP_PARAMS_PATH, an SSM_ENV_* setting, a value
# starting with ssm: -- case-sensitive, as settings.py reads them), AWS_MAX_ATTEMPTS (which Python
# validates) is plainly valid, and no name is one a shell manages, other than PWD, SHLVL and `_`:
# those three are put back as given by `env -u NAME... -- NAME=given... COMMAND` (their values
# are paths and a number; no other value ever goes on a command line, where ps and audit logs
# would see it). A value holding a line break shows up as a line without `=`: that, and any
# other doubt (no /proc, no tr or env, a command the shell cannot find, a large environment),
# goes to Python. Python is handed the same /proc/$$/environ in base64, in variables (the
# environment is private to this user, unlike argv) of at most 131000 characters (one NAME=value
# may hold 128 KiB, MAX_ARG_STRLEN in linux/binfmts.h), and restores os.environ from it before it
# reads any setting: it sees and passes on what the shell dropped or changed, and drops its own
# LC_CTYPE. An entry that is not NAME=value cannot be passed on by anything that sets variables
# by name: the wrapper then stops with one line. Without /proc or base64 (not Linux) Python gets
# "-" and works from the environment the shell passed on.
case "$1" in
    -* | check | export | policy | help | "" | *=*) ;;
    *)
        # The usual settings are plain identifiers the shell has imported: when one is set the
        # answer is Python, known without the `tr` (one process fewer on a configured start).
        if [ -z "${APP_PARAMS_PATH+1}${SSM_ENV_PATHS+1}${SSM_ENV_NAMES+1}" ] \
                && [ -z "${SSM_ENV_JSON_NAMES+1}" ] \
                && _ssm_env_given=$(tr '\0' '\n' 2>/dev/null < /proc/$$/environ && echo .) \
                && [ -x /usr/bin/env ] && [ "${#_ssm_env_given}" -le 65536 ]; then
            case $_ssm_env_given in
                "
"* | *"

"*) ;;
                *)
                    _ssm_env_fast=1 _ssm_env_keep= _ssm_env_seen='
'
                    IFS='
'
                    set -f
                    for _ssm_env_entry in ${_ssm_env_given%.}; do
                        _ssm_env_name=${_ssm_env_entry%%=*}
                        case $_ssm_env_name in
                            "$_ssm_env_entry" | "" | [!A-Za-z_]* | *[!A-Za-z0-9_]* \
                            | APP_PARAMS_PATH | SSM_ENV_* | _ssm_env_* \
                            | IFS | PS[0-9] | OPT* | PPID | OLDPWD | SHELLOPTS | BASH* | COMP_* \
                            | HIST* | RANDOM | SRANDOM | SECONDS | LINENO | EPOCH* | UID | EUID \
                            | GROUPS | FUNCNAME | FUNCNEST | DIRSTACK | PIPESTATUS | REPLY \
                            | COLUMNS | LINES | MAIL* | ENV | POSIXLY_CORRECT | HOSTNAME \
                            | HOSTTYPE | MACHTYPE | OSTYPE | TIMEFORMAT | TMOUT | IGNOREEOF \
                            | GLOBIGNORE | GLOBSORT | READLINE_* | CHILD_MAX | COPROC* | MAPFILE \
                            | EMACS | INSIDE_EMACS | EXECIGNORE | FIGNORE | HOSTFILE | INPUTRC \
                            | FCEDIT | CDPATH | histchars)
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
_ssm_env_n=-
if _ssm_env_given=$(base64 -w 131000 2>/dev/null < /proc/$$/environ); then
    _ssm_env_n=0
    IFS='
'
    for _ssm_env_entry in $_ssm_env_given; do
        _ssm_env_n=$((_ssm_env_n + 1))
        export "_ssm_env_given_$_ssm_env_n=$_ssm_env_entry"
    done
fi
exec python3 -I -S -B -c 'import sys
from importlib.machinery import SourceFileLoader


def restore(argv):
    """Put the environment as given (see the comments above) back into os.environ."""
    import os
    chunks = argv.pop(2)
    del argv[0]
    if chunks == "-":
        return
    import binascii
    environ = os.environb
    handover = b"".join(environ.get(b"_ssm_env_given_%d" % n, b"")
                        for n in range(1, int(chunks) + 1))
    given = {}
    for entry in binascii.a2b_base64(handover).split(bytes(1))[:-1]:
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
exec(SourceFileLoader("__main__", sys.argv[0]).get_code("__main__"), main.__dict__)' \
    "$0" "$_ssm_env_n" "$@"
'''
