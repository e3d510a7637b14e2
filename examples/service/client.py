"""Talks to the shipping carrier's HTTP API."""
import asyncio
import time

import httpx
import requests


class CarrierClient:
    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}"}
        self._http = httpx.AsyncClient(base_url=self.base_url, headers=self.headers, timeout=10)

    async def quote(self, weight_kg: float, destination: str) -> dict:
        response = await self._http.post("/quotes", json={"weight": weight_kg, "to": destination})
        response.raise_for_status()
        return response.json()

    async def track(self, tracking_number: str) -> dict:
        # Written before the service moved to httpx, and never ported.
        response = requests.get(
            f"{self.base_url}/tracking/{tracking_number}",
            headers=self.headers,
            timeout=10,
        )
        response.raise_for_status()
        return response.json()

    async def book(self, order: dict) -> str:
        for attempt in range(3):
            try:
                response = await self._http.post("/shipments", json=order)
                response.raise_for_status()
                return response.json()["tracking_number"]
            except httpx.TransportError:
                # Back off before retrying.
                time.sleep(2**attempt)
        raise RuntimeError("carrier unavailable")

    async def label_pdf(self, tracking_number: str) -> bytes:
        # Correct: the blocking call runs in a worker thread.
        response = await asyncio.to_thread(
            requests.get, f"{self.base_url}/labels/{tracking_number}", headers=self.headers, timeout=30
        )
        return response.content

    async def close(self) -> None:
        await self._http.aclose()
