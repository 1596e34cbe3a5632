#!/usr/bin/env bash
# Build the self-contained Linux app folder with PyInstaller, then pack it as a tarball and a .deb.
#
#   packaging/build.sh            -> dist/messenger/ (the folder), dist/messenger-VERSION-linux-ARCH.tar.gz,
#                                    dist/messenger_VERSION_ARCH.deb
#
# Needs the project installed in the active Python (./dev does that) plus PyInstaller
# (pip install -e '.[package]'), and dpkg-deb for the .deb. Windows and macOS: docs/packaging.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIST="$ROOT/dist"
PYTHON="${PYTHON:-python}"
APP_ID="io.github.messenger.Messenger"
VERSION="$("$PYTHON" -c 'import messenger; print(messenger.__version__)')"
ARCH="$(dpkg --print-architecture 2>/dev/null || uname -m)"

say() { printf '==> %s\n' "$*" >&2; }

say "PyInstaller: dist/messenger/"
"$PYTHON" -m PyInstaller --noconfirm --log-level WARN \
    --distpath "$DIST" --workpath "$ROOT/build/pyinstaller" "$ROOT/packaging/messenger.spec"
APP="$DIST/messenger"
# One executable, three names: packaging/entry.py picks the program by the name it runs as.
ln -sf messenger "$APP/messenger-server"
ln -sf messenger "$APP/messenger-cli"

say "tarball"
TARBALL="$DIST/messenger-$VERSION-linux-$ARCH.tar.gz"
tar -C "$DIST" -czf "$TARBALL" messenger

if ! command -v dpkg-deb >/dev/null 2>&1; then
    say "no dpkg-deb: skipping the .deb"
    exit 0
fi

say ".deb"
STAGE="$ROOT/build/deb"
rm -rf "$STAGE"
mkdir -p "$STAGE/DEBIAN" "$STAGE/usr/lib" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
    "$STAGE/usr/share/metainfo" "$STAGE/usr/share/doc/messenger" "$STAGE/usr/lib/systemd/system"
cp -a "$APP" "$STAGE/usr/lib/messenger"
for program in messenger messenger-server messenger-cli; do
    ln -s "../lib/messenger/$program" "$STAGE/usr/bin/$program"
done
cp "$ROOT/resources/$APP_ID.desktop" "$STAGE/usr/share/applications/"
cp "$ROOT/resources/$APP_ID.metainfo.xml" "$STAGE/usr/share/metainfo/"
mkdir -p "$STAGE/usr/share/icons/hicolor"
cp -r "$ROOT/resources/icons/hicolor/." "$STAGE/usr/share/icons/hicolor/"
cp "$ROOT/packaging/messenger-server.service" "$STAGE/usr/lib/systemd/system/"
cp "$ROOT/LICENSE" "$STAGE/usr/share/doc/messenger/copyright"
cp "$ROOT/resources/THIRD_PARTY_NOTICES.md" "$ROOT/docs/server.md" "$STAGE/usr/share/doc/messenger/"

SIZE_KB="$(du -sk "$STAGE/usr" | cut -f1)"
# What Qt's xcb platform, Qt Multimedia (PulseAudio) and OpenGL need from the system; the
# rest (Python, Qt, FFmpeg, OpenSSL) is inside the folder.
DEPENDS="libc6 (>= 2.31), libpulse0, libegl1, libgl1, libfontconfig1, libfreetype6, libdbus-1-3,
 libxkbcommon0, libxkbcommon-x11-0, libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1,
 libxcb-image0, libxcb-render-util0, libxcb-shape0, libxcb-randr0, libxcb-xkb1,
 libxcb-xinerama0, libx11-xcb1, libglib2.0-0"
cat > "$STAGE/DEBIAN/control" <<CONTROL
Package: messenger
Version: $VERSION
Architecture: $ARCH
Maintainer: Messenger developers <maintainers@messenger.invalid>
Installed-Size: $SIZE_KB
Depends: $(echo "$DEPENDS" | tr -d '\n')
Recommends: fonts-noto-color-emoji
Suggests: coturn, gnome-keyring | kwalletmanager
Section: net
Priority: optional
Homepage: https://github.com/messenger/messenger
Description: desktop instant messenger with voice and video calls
 Contacts with presence, one-to-one and group chats with history, drag-and-drop
 file transfer, and peer-to-peer voice and video calls (WebRTC). Includes
 messenger-server, the signaling server the app runs on this computer by
 default, and messenger-cli.
CONTROL
cat > "$STAGE/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
    command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t /usr/share/icons/hicolor || true
    command -v update-desktop-database >/dev/null && update-desktop-database -q /usr/share/applications || true
fi
POSTINST
cp "$STAGE/DEBIAN/postinst" "$STAGE/DEBIAN/postrm"
sed -i 's/"\$1" = configure/"$1" = remove/' "$STAGE/DEBIAN/postrm"
chmod 0755 "$STAGE/DEBIAN/postinst" "$STAGE/DEBIAN/postrm"
DEB="$DIST/messenger_${VERSION}_${ARCH}.deb"
dpkg-deb --root-owner-group -Zgzip -z6 --build "$STAGE" "$DEB" >/dev/null
say "built $DEB ($(du -h "$DEB" | cut -f1)), $TARBALL ($(du -h "$TARBALL" | cut -f1))"
