"""The local test server answers what a typical handler sends through pymongo: CRUD,
count_documents and estimated_document_count, aggregate with $group, distinct, updates with
upsert, find_one_and_update, indexes; and refuses what it does not implement with the
server's own error code instead of a wrong answer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from bson import ObjectId
from pymongo import MongoClient, ReturnDocument
from pymongo.errors import OperationFailure

from components.local.wire_server import WireServer


@pytest.fixture(scope="module")
def server() -> Iterator[WireServer]:
    server = WireServer().start()
    yield server
    server.stop()
    assert not server.errors, server.errors


@pytest.fixture
def orders(server: WireServer) -> Iterator:
    client: MongoClient = MongoClient(server.uri, serverSelectionTimeoutMS=5000)
    collection = client["shop"]["orders"]
    collection.drop()
    collection.insert_many([
        {"_id": 1, "customer": "ada", "total": 30, "tags": ["a", "b"], "address": {"city": "Oslo"}},
        {"_id": 2, "customer": "bob", "total": 12.5, "tags": ["b"]},
        {"_id": 3, "customer": "ada", "total": 7, "tags": [], "address": {"city": "Rome"}},
        {"_id": 4, "customer": "cy", "total": None},
    ])  # fmt: skip
    yield collection
    client.close()


def test_filters_sort_skip_limit_projection(orders) -> None:
    assert [d["_id"] for d in orders.find({"customer": "ada"})] == [1, 3]
    assert [d["_id"] for d in orders.find({"total": {"$gte": 10}}).sort("total", -1)] == [1, 2]
    assert [d["_id"] for d in orders.find({"tags": "b"})] == [1, 2]  # an element matches
    assert [d["_id"] for d in orders.find({"address.city": "Rome"})] == [3]
    assert [d["_id"] for d in orders.find({"address": {"$exists": False}})] == [2, 4]
    assert [d["_id"] for d in orders.find({"customer": {"$in": ["bob", "cy"]}})] == [2, 4]
    assert [d["_id"] for d in orders.find({"$or": [{"_id": 1}, {"total": 7}]})] == [1, 3]
    assert [d["_id"] for d in orders.find({"total": None})] == [4]
    page = orders.find({}, {"customer": 1, "_id": 0}).sort([("customer", 1), ("_id", -1)])
    assert list(page.skip(1).limit(2)) == [{"customer": "ada"}, {"customer": "bob"}]
    # Mixed types sort in BSON order (null first) instead of failing.
    assert [d["_id"] for d in orders.find().sort("total", 1)] == [4, 3, 2, 1]


def test_counts(orders) -> None:
    assert orders.count_documents({}) == 4
    assert orders.count_documents({"customer": "ada"}) == 2
    assert orders.count_documents({}, skip=1, limit=2) == 2
    assert orders.estimated_document_count() == 4


def test_aggregate_group_and_count(orders) -> None:
    by_customer = list(orders.aggregate([
        {"$match": {"total": {"$ne": None}}},
        {"$group": {"_id": "$customer", "spent": {"$sum": "$total"}, "n": {"$sum": 1}}},
        {"$sort": {"spent": -1}},
    ]))  # fmt: skip
    assert by_customer == [
        {"_id": "ada", "spent": 37, "n": 2},
        {"_id": "bob", "spent": 12.5, "n": 1},
    ]
    assert list(orders.aggregate([{"$match": {"customer": "ada"}}, {"$count": "n"}])) == [
        {"n": 2}
    ]
    with pytest.raises(OperationFailure) as refused:
        list(orders.aggregate([{"$lookup": {"from": "x"}}]))
    assert refused.value.code == 40324


def test_distinct(orders) -> None:
    assert orders.distinct("customer") == ["ada", "bob", "cy"]
    assert orders.distinct("tags", {"customer": "ada"}) == ["a", "b"]


def test_updates_and_deletes(orders) -> None:
    changed = orders.update_one({"_id": 2}, {"$inc": {"total": 1}, "$set": {"paid": True}})
    assert changed.modified_count == 1
    assert orders.find_one({"_id": 2}) == {
        "_id": 2, "customer": "bob", "total": 13.5, "tags": ["b"], "paid": True
    }  # fmt: skip
    assert orders.update_many({"customer": "ada"}, {"$push": {"tags": "vip"}}).modified_count == 2
    assert orders.find_one({"_id": 3})["tags"] == ["vip"]
    upserted = orders.update_one({"customer": "dee"}, {"$set": {"total": 1}}, upsert=True)
    assert isinstance(upserted.upserted_id, ObjectId)
    assert orders.find_one({"customer": "dee"})["total"] == 1
    assert orders.replace_one({"_id": 4}, {"customer": "cy", "total": 3}).modified_count == 1
    assert orders.find_one({"_id": 4}) == {"_id": 4, "customer": "cy", "total": 3}
    assert orders.delete_many({"customer": "ada"}).deleted_count == 2
    assert orders.delete_one({}).deleted_count == 1
    assert orders.count_documents({}) == 2


def test_find_one_and_update(orders) -> None:
    after = orders.find_one_and_update(
        {"customer": "bob"}, {"$inc": {"total": 2}}, return_document=ReturnDocument.AFTER
    )
    assert after["total"] == 14.5
    before = orders.find_one_and_delete({"_id": 1})
    assert before["customer"] == "ada" and orders.count_documents({"_id": 1}) == 0
    created = orders.find_one_and_update(
        {"_id": 9}, {"$setOnInsert": {"customer": "eve"}}, upsert=True,
        return_document=ReturnDocument.AFTER,
    )  # fmt: skip
    assert created == {"_id": 9, "customer": "eve"}


def test_indexes_and_collections(orders) -> None:
    assert orders.create_index("customer")
    assert "_id_" in [i["name"] for i in orders.list_indexes()]
    assert "orders" in orders.database.list_collection_names()
