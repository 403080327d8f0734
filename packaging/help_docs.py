#!/usr/bin/env python3
"""Writes aton's man page and bash completion from its own --help texts.

    help_docs.py ATON COMPLETION_TEMPLATE OUT_MAN OUT_COMPLETION

Run at build time (packaging/docs.cmake), so both follow the CLI: a new
command or option appears in them with no edit here. `aton --help` gives
the commands and the exit codes; `aton COMMAND --help` a usage line, prose,
an "Options:" list in Boost.Program_options' layout, "Examples:" and a
closing paragraph.
"""
import re
import subprocess
import sys

# Boost.Program_options prints an option as "  -t [ --table ] arg (=x)  text"
# or "  --sample-size arg (=1000)  text"; the text wraps onto lines indented
# deeper, and a long option leaves a single space before its text.
OPTION = re.compile(r"^  (?:-(?P<short>\w) \[ --(?P<long1>[\w-]+) \]|--(?P<long2>[\w-]+))"
                    r"(?P<arg> arg(?: \(=(?P<default>[^)]*)\))?)?(?: +(?P<text>.*))?$")

# The files each command reads, for completion (a command not listed here
# that takes a positional argument completes any file).
FILE_SUFFIX = {"encode": ".json", "decode": ".aton", "run": ".json", "validate": ".json"}


def help_text(aton, *args):
    return subprocess.run([aton, *args, "--help"], check=True, capture_output=True, text=True).stdout


def parse_top(text):
    """The commands (name, summary) and the exit codes (code, meaning)."""
    commands, codes, section = [], [], None
    for line in text.splitlines():
        if line in ("Commands:", "Exit codes:"):
            section = line
        elif not line.startswith("  "):
            section = None
        elif section == "Commands:":
            name, summary = line.split(None, 1)
            commands.append((name, summary))
        elif section == "Exit codes:":
            code, meaning = line.split(None, 1)
            codes.append((code, meaning))
    return commands, codes


def parse_command(text):
    """A command's help: usage, prose paragraphs, options, examples, closing paragraphs."""
    lines = text.rstrip("\n").splitlines()
    usage = lines[0].removeprefix("Usage: ")
    prose, options, examples, closing = [], [], [], []
    section = "prose"
    for line in lines[1:]:
        if line == "Options:":
            section = "options"
        elif line == "Examples:":
            section = "examples"
        elif section == "options":
            match = OPTION.match(line)
            if match:
                options.append({
                    "short": match["short"], "long": match["long1"] or match["long2"],
                    "arg": bool(match["arg"]), "default": match["default"], "text": (match["text"] or "").strip()})
            elif line.strip():
                options[-1]["text"] = (options[-1]["text"] + " " + line.strip()).strip()
        elif section == "examples":
            if line.strip():
                examples.append(line.strip())
            else:
                section = "closing"
        else:
            (prose if section == "prose" else closing).append(line)
    return usage, paragraphs(prose), options, examples, paragraphs(closing)


def paragraphs(lines):
    out, current = [], []
    for line in lines + [""]:
        if line.strip():
            current.append(line.strip())
        elif current:
            out.append(" ".join(current))
            current = []
    return out


def option_values(text):
    """The values an option's text lists: "fast | balanced" or "auto (a live line) | none"."""
    if "|" not in text:
        return []
    parts = [p.strip() for p in re.sub(r"\([^()]*\)", "", text).split("|")]
    values = [parts[0].split()[-1] if parts[0] else ""] + [p.split()[0] if p else "" for p in parts[1:]]
    return values if all(re.fullmatch(r"[a-z][\w-]*", v) for v in values) else []


def roff(text):
    """Escapes text for roff: backslashes, minus signs (options stay copyable), quotes, a leading dot."""
    text = text.replace("\\", "\\e").replace("-", "\\-").replace("'", "\\(aq").replace("`", "\\(ga")
    return "\\&" + text if text.startswith((".", "'")) else text


def option_roff(option):
    spec = (f"\\fB\\-{option['short']}\\fR, " if option["short"] else "") + f"\\fB{roff('--' + option['long'])}\\fR"
    if option["arg"]:
        spec += " \\fIarg\\fR"
    text = roff(option["text"])
    if option["default"] is not None:
        text += f" (default: {roff(option['default'])})"
    return [".TP", spec, text]


def man_page(version, summary, commands, codes, helps):
    out = [f'.TH ATON 1 "" "{roff(version)}" "User Commands"',
           ".nh", ".ad l",  # no hyphenation, ragged right: options and paths stay whole
           ".SH NAME", f"aton \\- {roff(summary)}",
           ".SH SYNOPSIS"]
    for name, _ in commands:
        out += [f".B aton {roff(name)}", roff(helps[name][0].removeprefix(f"aton {name}").strip()), ".br"]
    out += [".SH DESCRIPTION",
            "Every command has \\fB\\-\\-help\\fR with its options and examples; this page collects them.",
            ".TP", "\\fB\\-\\-version\\fR", "prints the version."]
    for name, text in commands:
        out += [".TP", f"\\fB{roff(name)}\\fR", roff(text)]
    out.append(".SH COMMANDS")
    for name, _ in commands:
        usage, prose, options, examples, closing = helps[name]
        out.append(f'.SS "{roff(usage)}"')
        for paragraph in prose:
            out += [".PP", roff(paragraph)]
        if options:
            out += [".PP", "Options:"]
            for option in options:
                out += option_roff(option)
        if examples:
            out += [".PP", "Examples:", ".RS", ".nf"] + [roff(e) for e in examples] + [".fi", ".RE"]
        for paragraph in closing:
            out += [".PP", roff(paragraph)]
    out.append(".SH EXIT STATUS")
    for code, meaning in codes:
        out += [".TP", f"\\fB{roff(code)}\\fR", roff(meaning)]
    out += [".SH SEE ALSO",
            "The documents of the source tree and the README: docs/CONFIG.md (pipeline configs),",
            "docs/PLUGINS.md (plugins), docs/ERRORS.md (errors), docs/FORMAT.md (the ATON format)."]
    return "\n".join(out) + "\n"


def completion(template, commands, helps):
    cases, value_cases = [], []
    for name, _ in commands:
        usage, _, options, _, _ = helps[name]
        words = ["--help", "-h"]
        valued = []
        for option in options:
            names = ["--" + option["long"]] + (["-" + option["short"]] if option["short"] else [])
            words += [n for n in names if n not in words]
            if option["arg"]:
                valued += names
                values = option_values(option["text"])
                if values:
                    patterns = " | ".join(f'"{name} {n}"' for n in names)
                    value_cases.append(f'    {patterns}) echo "{" ".join(values)}" ;;')
        takes_file = bool(re.search(r"\b[A-Z]+\b", usage.split("[--", 1)[0]))
        files = FILE_SUFFIX.get(name, "*" if takes_file else "")
        cases.append(f'    {name}) options="{" ".join(words)}" valued="{" ".join(valued)}" files="{files}" ;;')
    return (template.replace("@ATON_COMMANDS@", " ".join(n for n, _ in commands))
            .replace("@ATON_COMMAND_CASES@", "\n".join(cases))
            .replace("@ATON_VALUE_CASES@", "\n".join(value_cases)))


def main():
    aton, template_path, man_path, completion_path = sys.argv[1:]
    top = subprocess.run([aton, "--help"], check=True, capture_output=True, text=True).stdout
    version = subprocess.run([aton, "--version"], check=True, capture_output=True, text=True).stdout.strip()
    summary = top.splitlines()[0].split(" - ", 1)[1]
    commands, codes = parse_top(top)
    if not commands or not codes:
        sys.exit(f"help_docs.py: no commands or exit codes in `{aton} --help`")
    helps = {name: parse_command(help_text(aton, name)) for name, _ in commands}
    with open(man_path, "w") as out:
        out.write(man_page(version, summary, commands, codes, helps))
    with open(template_path) as template, open(completion_path, "w") as out:
        out.write(completion(template.read(), commands, helps))


if __name__ == "__main__":
    main()
