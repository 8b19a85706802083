#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
":" '''\'
# This header is both POSIX sh and Python (to Python, one string). /bin/sh reads it first and
# either execs the command itself (the fast path: nothing to load) or execs python3 on this file
# (-I: PYTHONPATH and PYTHON* cannot change what runs; -S: no site-packages scan; -B: no bytecode
# written here). Python runs it through the import system's loader: the hash-checked bytecode
# build_layer.sh ships in __pycache__/ when it matches this interpreter and source, else a
# compile, tens of milliseconds of CPU a start (docs/performance.md#sizes).
#
# The promise: the command gets exactly the environment the wrapper was given, plus what was
# loaded, minus the references resolved, on either path. Neither the shell nor CPython keeps it:
# - dash imports only names that are identifiers (`db.password=ssm:/x` never reaches what it
#   execs); bash passes them on. Both keep the last of a name given twice (getenv, so every
#   runtime, reads the first) and drop entries without a name.
# - Both set PWD (adding it when absent); bash renumbers SHLVL and drops `_`; IFS, OPTIND, PPID
#   and bash's own (BASH*, RANDOM, SHELLOPTS, PS1...) leave with new values. bash's `export -p`
#   writes $'...\n' for control characters: it cannot judge what is to load.
# - CPython's C-locale coercion (PEP 538) sets LC_CTYPE=C.UTF-8 when the locale is C or missing;
#   -I cannot stop it (PYTHONCOERCECLOCALE is a variable, ignored under -I).
# So the shell decides from /proc/$$/environ: the kernel's copy of the environment this process
# was exec'd with (proc(5)), which no shell edits. One `tr` turns its NULs into lines (~1 ms; a
# Python start is ~12 ms). The fast path is taken only when every entry is NAME=value with an
# identifier seen once, no value asks for a load (ssm: or secretsmanager:, case-sensitive as
# settings.py reads them), no name starts with SSM, APP_ or AWS_ENDPOINT_URL or holds _ENV_ in
# any case (the settings that load, and the misspelt ones Python refuses or warns about:
# ssm_env_paths, SSM_EVN_PATHS, SM_ENV_PATHS, APP_PARAM_PATH; every name one edit from an
# SSM_ENV_ one is among them) other than APP_ENV and the three endpoint variables spelt right,
# which load nothing alone (Lambda sets none of these names, so an unconfigured function keeps
# this path), AWS_MAX_ATTEMPTS (which Python validates) is plainly valid, and no name is one a
# shell manages but PWD, SHLVL and `_`: those are put back as given by
# `env -u NAME... -- NAME=given... COMMAND` (paths and a number: no other value goes on a command
# line, which ps and audit logs see). `tr` writes \2 for a line break inside an entry, so that
# a value holding one (`x<LF>PWD=/evil`) cannot pass for an entry: such a value, a \2, and any
# other doubt (no /proc, no tr or env, a command not found, a large environment) goes to Python.
# Python gets the same /proc/$$/environ in base64 on a spare descriptor, through a here-document
# (not in variables: with the environment that would be twice its size for execve, whose limit
# is ARG_MAX; not on argv, which ps sees), and restores os.environ from it before it reads any
# setting: what the shell dropped or changed is passed on, its own LC_CTYPE dropped. It must be
# this copy: once Python runs, its /proc/self/environ is what the shell exec'd, already changed.
# An entry that is not NAME=value cannot be passed on by name: the wrapper stops with one line.
# Without /proc (not Linux) Python gets "-" and works from what the shell passed on; on Linux
# without base64 or a free descriptor among 3 to 9 it stops: it could not be exact.
# bash imports functions from the environment (BASH_FUNC_NAME%%=...), as sh too: a caller's `tr`
# or `command` would decide for the launcher. In POSIX mode (/bin/sh on Amazon Linux) none can
# replace a special builtin (`:`, `unset`), and `unset -f` gives the commands below back to the
# shell and PATH. (bash run by name outside POSIX mode runs $BASH_ENV first: that environment is
# the caller's to trust, as for any script.)
# bash (as sh too) takes SHELLOPTS from the environment: xtrace would print what is read below.
set +avx
unset -f '[' tr printf base64 command test env python3 2>/dev/null
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
                            | [Ss][Ss][Mm]* | *_[Ee][Nn][Vv]_* | [Ss][Ss]_[Mm][Ee][Nn][Vv]_* \
                            | _ssm_env_* \
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
        if os.access("/proc/self/environ", os.R_OK):  # Linux: the handover itself failed
            sys.exit("ssm-env-wrapper: cannot pass the environment on exactly (base64 on PATH "
                     "and a free descriptor among 3 to 9 are needed)")
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
exit 127
'''
