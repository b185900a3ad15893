# test/setup.sh: sourced by test/demo.sh and test/run.sh (as root).
#
# pricing_install: installs the Debian packages the build and the tests need
# when they are missing, then builds and installs the extension.

# libc6-dev is only a Recommends of gcc: name it, for machines that skip those
PRICING_PACKAGES=(postgresql-server-dev-15 libmimalloc-dev libipc-run-perl make gcc libc6-dev
	postgresql-15-plproxy sqlsmith)
PRICING_PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config

pricing_install() {
	local missing=() pkg
	for pkg in "${PRICING_PACKAGES[@]}" "$@"; do
		if ! dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q '^install ok installed$'; then
			missing+=("$pkg")
		fi
	done
	if [ "${#missing[@]}" -gt 0 ]; then
		echo "=== installing ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -q
		apt-get install -y -q "${missing[@]}"
	fi
	echo "=== building and installing the extension into $("$PRICING_PG_CONFIG" --pkglibdir)"
	make -s PG_CONFIG="$PRICING_PG_CONFIG"
	make -s PG_CONFIG="$PRICING_PG_CONFIG" install
}
