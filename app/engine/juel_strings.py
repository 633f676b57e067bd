"""java.lang.String's regular-expression and other methods beyond the basics, as Camunda 7
expressions call them: `${email.matches(".+@.+")}`, `${code.replaceAll("[^0-9]", "")}`,
`${tags.split(",")}`. Patterns run on the time-limited regex module (app.engine.patterns), since
they meet values people type; Java's `$1` group references are translated.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from app.engine import patterns

_JAVA_REFERENCE = re.compile(r"\\(.)|\$(\d+)|\$\{(\w+)\}", re.DOTALL)


def _template(replacement: Any) -> str:
    """A Java replacement (`$1`, `${name}`, `\\$`) as the regex module writes it."""

    def one(match: re.Match) -> str:
        if match.group(1) is not None:
            return match.group(1).replace("\\", "\\\\")
        return f"\\g<{match.group(2) or match.group(3)}>"

    return _JAVA_REFERENCE.sub(one, str(replacement))


def _split(text: str, pattern: Any, limit: Any = 0) -> list[str]:
    parts = patterns.split(str(pattern), text)
    if int(limit) > 0 and len(parts) > int(limit):
        return [*parts[: int(limit) - 1], re_join(str(pattern), text, int(limit) - 1)]
    while int(limit) == 0 and parts and parts[-1] == "":
        parts.pop()  # Java drops trailing empty strings
    return parts


def re_join(pattern: str, text: str, skip: int) -> str:
    """What follows the first `skip` matches of `pattern` in `text` (split's last part, limited)."""
    found = list(patterns.compiled(pattern).finditer(text, timeout=patterns.TIME_LIMIT))
    return text[found[skip - 1].end() :] if 0 < skip <= len(found) else text


def _compare(text: str, other: Any) -> int:
    return (text > str(other)) - (text < str(other))


STRING_METHODS: dict[str, Callable[..., Any]] = {
    "matches": lambda s, pattern: patterns.search(str(pattern), s, whole=True) is not None,
    "replace": lambda s, old, new: s.replace(str(old), str(new)),
    "replaceAll": lambda s, pattern, new: patterns.substitute(str(pattern), _template(new), s),
    "replaceFirst": lambda s, pattern, new: patterns.substitute(str(pattern), _template(new), s, count=1),
    "split": _split,
    "concat": lambda s, other: s + str(other),
    "charAt": lambda s, index: s[int(index)],
    "lastIndexOf": lambda s, part: s.rfind(str(part)),
    "isBlank": lambda s: not s.strip(),
    "strip": str.strip,
    "compareTo": _compare,
    "compareToIgnoreCase": lambda s, other: _compare(s.lower(), str(other).lower()),
}
