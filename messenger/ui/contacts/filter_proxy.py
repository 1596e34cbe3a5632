"""The filter box's view of the contact list, and the folding of collapsible sections."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QSortFilterProxyModel, Qt

from messenger.ui.contacts.kinds import FOLDING, HEADER, Index, Role, Section


class ContactFilterProxy(QSortFilterProxyModel):
    """The filter box's view of the list, and the folding of collapsible sections.

    Text matches usernames and display names, and rooms' names and topics, ignoring case;
    while a filter is typed, folded sections open so that a blocked person or a room one
    left can be found too.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._collapsed: set[Section] = set(FOLDING)

    def set_filter_text(self, text: str) -> None:
        self.beginFilterChange()
        self._text = text.strip().casefold()
        self.endFilterChange()

    def filter_text(self) -> str:
        return self._text

    def is_collapsed(self, section: Section) -> bool:
        return section in self._collapsed and not self._text

    def toggle_section(self, section: Section) -> None:
        self.beginFilterChange()
        self._collapsed ^= {section}
        self.endFilterChange()
        header = self._header_index(section)
        if header.isValid():
            self.dataChanged.emit(header, header, [Role.COLLAPSED])

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role == Role.COLLAPSED:
            return self.is_collapsed(Section(index.data(Role.SECTION)))
        return super().data(index, role)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        index = model.index(source_row, 0, source_parent)
        section = index.data(Role.SECTION)
        if index.data(Role.KIND) == HEADER:
            if not self._text:
                return True
            # A header stays while any row of its section matches.
            for row in range(source_row + 1, model.rowCount(source_parent)):
                below = model.index(row, 0, source_parent)
                if below.data(Role.SECTION) != section:
                    break
                if self._matches(below):
                    return True
            return False
        if self._text:
            return self._matches(index)
        return section not in self._collapsed

    def _matches(self, index: QModelIndex) -> bool:
        name = str(index.data(Qt.ItemDataRole.DisplayRole)).casefold()
        return self._text in name or self._text in str(index.data(Role.KEYWORDS) or "")

    def _header_index(self, section: Section) -> QModelIndex:
        for row in range(self.rowCount()):
            index = self.index(row, 0)
            if index.data(Role.KIND) == HEADER and index.data(Role.SECTION) == section:
                return index
        return QModelIndex()

    def setSourceModel(self, model: QAbstractItemModel) -> None:
        super().setSourceModel(model)
        # Whether a header shows depends on the rows below it, which Qt does not know:
        # while filtering, look again whenever the rows change.
        for signal in (model.rowsInserted, model.rowsRemoved, model.rowsMoved, model.dataChanged):
            signal.connect(self._refilter_while_filtering)

    def _refilter_while_filtering(self) -> None:
        if self._text:
            self.beginFilterChange()
            self.endFilterChange()
