# Shared by the launchers in bin/: finds a JDK 25+ and reports clearly when there is none.
# Sets $jdk, or prints what to install and exits 1.
required=25

major_version_of() { # prints the major version of the java binary $1, or 0
  local v
  v=$("$1" -version 2>&1 | awk -F'"' '/version/ {print $2; exit}')
  v=${v%%[.+-]*}
  [[ "$v" =~ ^[0-9]+$ ]] && echo "$v" || echo 0
}

find_jdk() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" && -x "$JAVA_HOME/bin/javac" ]] &&
     (( $(major_version_of "$JAVA_HOME/bin/java") >= required )); then
    echo "$JAVA_HOME"; return 0
  fi
  local candidate best="" best_version=0 v
  for candidate in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* "${HOME:-/nonexistent}"/.sdkman/candidates/java/* "${HOME:-/nonexistent}"/.jdks/*; do
    [[ -x "$candidate/bin/java" && -x "$candidate/bin/javac" ]] || continue
    v=$(major_version_of "$candidate/bin/java")
    if (( v >= required && v > best_version )); then best=$candidate; best_version=$v; fi
  done
  [[ -n "$best" ]] && echo "$best"
}

jdk=$(find_jdk) || true
if [[ -z "$jdk" ]]; then
  echo "datamover: no JDK $required or newer found (JAVA_HOME=${JAVA_HOME:-unset}; looked in /usr/lib/jvm, /opt, ~/.sdkman)." >&2
  echo "datamover: install one, e.g. 'apt-get install temurin-25-jdk' or from adoptium.net, then set JAVA_HOME to it." >&2
  exit 1
fi
