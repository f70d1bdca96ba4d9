import SQLKit

/// Stories (migration 13): the items about one event from every source that carried it. A story's
/// lead is its best-scored published item; an item no story holds yet stands for itself.
extension Store {
    /// True for the one item of each story a list or digest shows: its lead, or an item no story holds.
    static let storyEntry: SQLQueryString = """
        (items.story_id IS NULL OR items.id = (SELECT stories.lead_item_id FROM stories WHERE stories.id = items.story_id))
        """
}
